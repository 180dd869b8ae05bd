import { InputError } from '../engine/errors.ts'
import type { Handlers } from './types.ts'
import { withProject } from './with-project.ts'

export const jobHandlers: Pick<Handlers, 'jobs.list' | 'job.start' | 'job.cancel'> = {
  'jobs.list': async ({ dir }) =>
    withProject(dir, (project) =>
      project.jobs().map((job) => ({
        ...job,
        params: null,
        events: [],
        series: [],
        etaSeconds: null,
        alive: false,
      })),
    ),
  'job.start': async ({ kind }) => {
    throw new InputError(`job.start ${kind}: starting jobs from the window is not available in this build`)
  },
  'job.cancel': async ({ id }) => {
    throw new InputError(`job.cancel ${id}: cancelling jobs from the window is not available in this build`)
  },
}
