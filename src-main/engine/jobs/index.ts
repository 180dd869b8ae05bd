export { Job, runJob, CancelledError, throwIfCancelled, type JobState, type ProgressEvent } from './jobs.ts'
