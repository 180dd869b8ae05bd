import type { Matrix } from '../features.ts'
import type { Partition } from '../propagate.ts'
import type { SuggestInput, SuggestParams } from '../suggest.ts'

/** Clusters a strategy made: one query per representative, and answers propagate over them. */
export interface Clustering {
  assignment: Int32Array
  clusters: number
  parents?: Partition
  /** Centre of each cluster in `space`, row-major. */
  centres: Float32Array
  space: Matrix
}

export interface StrategyContext {
  input: SuggestInput
  params: SuggestParams
  seed: number
  annotated: ReadonlySet<number>
  /** The unannotated ROIs, ascending; the strategy's own copy, free to reorder. */
  candidates: number[]
  /** How many ROIs a strategy without clusters picks: the budget, or every unannotated ROI when fewer. */
  count: number
  /** What the strategy did that the parameters did not say; shown with the suggestion. */
  notes: string[]
}

/**
 * Clusters of its own (their representatives are queried, within the budget), or queries picked
 * without clusters (every ROI then joins its nearest query).
 */
export type StrategyOutcome = { clusters: Clustering } | { picked: number[] }

export interface StrategyDefinition {
  /** Whether its queries depend on the image stream: `simulate --active` fine-tunes Eu only for these. */
  usesImage: boolean
  run(ctx: StrategyContext): Promise<StrategyOutcome>
}
