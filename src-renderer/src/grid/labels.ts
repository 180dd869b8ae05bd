/** Label rules of the grid, apart from any store: what a toggle gives, what a filter keeps, the counts. */

export type LabelChoice = 'correct' | 'incorrect' | 'unsure'
export type LabelFilter = 'all' | 'unlabelled' | LabelChoice

export const LABEL_FILTERS: readonly LabelFilter[] = ['all', 'unlabelled', 'correct', 'incorrect', 'unsure']

/** Space: correct <-> incorrect; unlabelled and unsure become correct. */
export function toggled(current: LabelChoice | undefined): LabelChoice {
  return current === 'correct' ? 'incorrect' : 'correct'
}

export function keeps(filter: LabelFilter, label: LabelChoice | undefined): boolean {
  if (filter === 'all') return true
  if (filter === 'unlabelled') return label === undefined
  return label === filter
}

export interface LabelCounts {
  total: number
  correct: number
  incorrect: number
  unsure: number
  /** Queries without a label (of this annotator). */
  unlabelled: number
}

function emptyCounts(): LabelCounts {
  return { total: 0, correct: 0, incorrect: 0, unsure: 0, unlabelled: 0 }
}

/** Counts per cluster and over the whole round, of every query (the filter does not change them). */
export function countLabels(
  queries: ReadonlyArray<{ roi: number; cluster: number }>,
  labelOf: (roi: number) => LabelChoice | undefined,
): { clusters: Map<number, LabelCounts>; overall: LabelCounts } {
  const clusters = new Map<number, LabelCounts>()
  const overall = emptyCounts()
  for (const q of queries) {
    let c = clusters.get(q.cluster)
    if (!c) clusters.set(q.cluster, (c = emptyCounts()))
    const label = labelOf(q.roi)
    for (const counts of [c, overall]) {
      counts.total++
      counts[label ?? 'unlabelled']++
    }
  }
  return { clusters, overall }
}

/** The unlabelled queries of one cluster: what Shift-A labels correct. */
export function restOfCluster(
  queries: ReadonlyArray<{ roi: number; cluster: number }>,
  cluster: number,
  labelOf: (roi: number) => LabelChoice | undefined,
): number[] {
  return queries.filter((q) => q.cluster === cluster && labelOf(q.roi) === undefined).map((q) => q.roi)
}
