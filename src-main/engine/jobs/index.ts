export {
  Job,
  runJob,
  CancelledError,
  throwIfCancelled,
  checkpointYield,
  LAUNCH_ENV,
  type JobState,
  type ProgressEvent,
} from './jobs.ts'
export { listJobs, cancelJob, type CancelResult } from './list.ts'
export { launchJob, validateLaunch, repoRoot, LAUNCHABLE, type LaunchKind, type Launched } from './launch.ts'
export { jobProcessAlive, pidAlive, type JobProcess } from './process.ts'
export { readSeries, SeriesBuffer, type SeriesPoint } from './series.ts'
