import { InputError } from '../engine/errors.ts'
import { cancelJob, launchArgs, listJobs } from '../engine/jobs/index.ts'
import { launchJob } from './job-launcher.ts'
import type { HandlerContext, Handlers } from './types.ts'

/**
 * Jobs run as `activeem <kind>` child processes of the host, never in it: the window stays live, a
 * window reload leaves them running, and each records itself (progress, curves, its pid) in the project.
 */
export const jobHandlers: Pick<Handlers, 'jobs.list' | 'job.start' | 'job.resume' | 'job.cancel'> = {
  'jobs.list': async ({ dir, since }, ctx) => ctx.projects.use(dir, (project) => listJobs(project, since)),
  'job.start': async ({ dir, kind, args }, ctx) => {
    underLimit(dir, ctx)
    const { pid } = await launchJob(dir, kind, args)
    return { pid }
  },
  'job.resume': async ({ dir, id }, ctx) => {
    const launch = ctx.projects.use(dir, (project) => {
      const job = listJobs(project, id - 1).find((j) => j.id === id)
      if (!job) throw new InputError(`job ${id}: no such job in this project`)
      if (job.alive) throw new InputError(`job ${id} is running; it needs no resuming`)
      if (job.state === 'done') throw new InputError(`job ${id} is done; run a new one instead`)
      const found = launchArgs(project, id)
      if (!found)
        throw new InputError(
          `job ${id} recorded no command to run again (a campaign's step, or a job from an older version): run the same command again to resume it`,
        )
      return found
    })
    // The same command with the same options, in the same folder, finds the job's unfinished row by its
    // inputs and resumes it.
    underLimit(dir, ctx)
    const { pid } = await launchJob(dir, launch.kind, launch.args, undefined, launch.cwd)
    return { pid }
  },
  'job.cancel': async ({ dir, id }, ctx) => ctx.projects.use(dir, (project) => cancelJob(project, id)),
}

/**
 * Refuses a launch past the project's limit. Counted and launched in one synchronous stretch (launchJob
 * records its row before its first await), so requests in flight together cannot all slip under it.
 */
function underLimit(dir: string, ctx: HandlerContext): void {
  const max = ctx.maxJobs ?? defaultMaxJobs()
  const running = ctx.projects.use(dir, (project) => listJobs(project).filter((j) => j.alive).length)
  if (running >= max) {
    throw new InputError(
      `${running} jobs are already running in this project (at most ${max} at once: ACTIVEEM_MAX_JOBS or ` +
        "'activeem serve --max-jobs'); wait for one to end or cancel one",
    )
  }
}

export const MAX_JOBS_ENV = 'ACTIVEEM_MAX_JOBS'

export function defaultMaxJobs(): number {
  const v = Number(process.env[MAX_JOBS_ENV] ?? 8)
  return Number.isInteger(v) && v >= 1 ? v : 8
}
