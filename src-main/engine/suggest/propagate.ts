import { propagateVerdicts, VERDICT_RULE, type Partition, type Verdicts } from '../verdicts/index.ts'

export type { Partition }

/**
 * The labels simulate scores: the project's one verdict rule over a suggestion's clusters (two-stream:
 * its first-stream clusters over its subclusters). `answers` is keyed by ROI index.
 */
export function suggestionVerdicts(
  s: { assignment: Int32Array; clusters: number; parents?: Partition | undefined },
  answers: ReadonlyMap<number, boolean>,
): Verdicts {
  return propagateVerdicts({ fine: s, first: s.parents }, answers, VERDICT_RULE)
}

/** Fraction of ROIs whose verdict equals the truth (1: correct). */
export function accuracy(verdicts: Verdicts, truth: Uint8Array): number {
  let right = 0
  for (let i = 0; i < truth.length; i++) if ((verdicts.final[i] === 'correct' ? 1 : 0) === truth[i]) right++
  return right / truth.length
}

/** Expected accuracy of annotating a random fraction s and leaving the rest as detected: p + s(1 - p). */
export function randomBaseline(p: number, s: number): number {
  return p + s * (1 - p)
}
