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
export { listJobs, cancelJob, jobsStamp, type CancelResult } from './list.ts'
export {
  jobRecords,
  jobParams,
  jobParamsOfKind,
  doneJobParams,
  doneJobResult,
  newestDoneResult,
} from './history.ts'
export {
  recordLaunch,
  stillLaunched,
  setLaunchPid,
  forgetLaunch,
  settleLaunch,
  launchPhase,
  launchArgs,
} from './launch-rows.ts'
export { jobProcessAlive, pidAlive, thisHost, type JobProcess } from './process.ts'
export { readSeries, SeriesBuffer, type SeriesPoint } from './series.ts'
export { setCommandLine, commandLineFor, clearCommandLine, type CommandLine } from './command-line.ts'
