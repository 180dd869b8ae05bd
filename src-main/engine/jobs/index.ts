export {
  Job,
  runJob,
  CancelledError,
  throwIfCancelled,
  checkpointYield,
  type JobState,
  type ProgressEvent,
} from './jobs.ts'
