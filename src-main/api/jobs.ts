import { cancelJob, launchJob, listJobs } from '../engine/jobs/index.ts'
import type { Handlers } from './types.ts'
import { withProject } from './with-project.ts'

/**
 * Jobs run as `activeem <kind>` child processes of the host, never in it: the window stays live, a
 * window reload leaves them running, and each records itself (progress, curves, its pid) in the project.
 */
export const jobHandlers: Pick<Handlers, 'jobs.list' | 'job.start' | 'job.cancel'> = {
  'jobs.list': async ({ dir, since }) => withProject(dir, (project) => listJobs(project, since)),
  'job.start': async ({ dir, kind, args }) => {
    const { pid } = await launchJob(dir, kind, args)
    return { pid }
  },
  'job.cancel': async ({ dir, id }) => withProject(dir, (project) => cancelJob(project, id)),
}
