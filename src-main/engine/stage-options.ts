import type { ProgressEvent } from './jobs/index.ts'

/**
 * What a caller hands every long stage (predict, train, proposals, embed, a campaign step): a signal
 * to cancel it and a callback for its progress. Stages read both with `?.`, so a stage that runs
 * another hands its own on as they are, set or not.
 */
export interface StageOptions {
  signal?: AbortSignal
  onProgress?: (e: ProgressEvent) => void
}
