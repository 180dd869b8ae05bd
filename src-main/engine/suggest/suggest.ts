import { InputError } from '../errors.ts'
import { bothStreams, type Matrix } from './features.ts'
import { nearestQuery } from './nearest-query.ts'
import type { Partition } from './propagate.ts'
import { fillBudget, representatives } from './representatives.ts'
import { isStrategy, STRATEGIES, STRATEGY_REGISTRY, type Strategy } from './strategies/registry.ts'
import type { Clustering } from './strategies/strategy.ts'

export interface SuggestInput {
  /** Es features [n, dm] and Eu features [n, di] of the set's ROIs (row = ROI index in the set). */
  mask: Matrix
  image: Matrix
  /** Mean probability of each ROI (for `uncertainty`). */
  meanProbability: ArrayLike<number>
  /** ROI indices annotated in earlier rounds: never queried again, and they count in propagation. */
  annotated?: ReadonlySet<number>
}

export interface SuggestParams {
  /** Clusters on the first stream (or of the single space), subclusters on the second, queries per subcluster. */
  N: number
  M: number
  Q: number
  /** Number of queries; default N*M*Q. Cluster strategies keep the largest clusters' queries when it is lower. */
  budget?: number
  seed?: number
}

export interface Query {
  /** ROI index in the set. */
  index: number
  cluster: number
  /** Euclidean distance to its cluster's centre in the space the cluster was made in. */
  distance: number
}

export interface Suggestion {
  strategy: Strategy
  /** Display order: by cluster, then by distance to the centre. */
  queries: Query[]
  /** Cluster of every ROI (for label propagation); clusters are numbered 0 .. clusters - 1. */
  assignment: Int32Array
  clusters: number
  /** Two-stream: the first-stream cluster of every ROI, over which propagation takes its majority. */
  parents?: Partition
  /** What the strategy did that the parameters did not say (small clusters, fewer queries). */
  notes: string[]
}

function byClusterThenDistance(a: Query, b: Query): number {
  return a.cluster - b.cluster || a.distance - b.distance || a.index - b.index
}

/** One strategy, one round: which ROIs to ask about, and the clusters their answers propagate over. */
export async function suggest(
  strategy: Strategy,
  input: SuggestInput,
  p: SuggestParams,
): Promise<Suggestion> {
  const n = input.mask.n
  if (input.image.n !== n) throw new InputError(`features: ${n} mask rows but ${input.image.n} image rows`)
  for (const [name, v] of [
    ['N', p.N],
    ['M', p.M],
    ['Q', p.Q],
  ] as const)
    if (!Number.isInteger(v) || v < 1) throw new InputError(`--${name}: expected an integer >= 1, got ${v}`)
  const annotated = input.annotated ?? new Set<number>()
  const seed = p.seed ?? 0
  const target = p.budget ?? p.N * p.M * p.Q
  if (!Number.isInteger(target) || target < 1)
    throw new InputError(`--budget: expected an integer >= 1, got ${target}`)
  const notes: string[] = []
  const free = n - annotated.size
  if (free <= 0)
    return {
      strategy,
      queries: [],
      assignment: new Int32Array(n),
      clusters: 1,
      notes: ['every ROI is annotated'],
    }
  if (!isStrategy(strategy))
    throw new InputError(`--strategy: expected one of ${STRATEGIES.join(', ')}, got '${String(strategy)}'`)

  const count = Math.min(target, free)
  const candidates = [...Array(n).keys()].filter((i) => !annotated.has(i))
  const outcome = await STRATEGY_REGISTRY[strategy].run({
    input,
    params: p,
    seed,
    annotated,
    candidates,
    count,
    notes,
  })
  if ('clusters' in outcome)
    return representativesWithinBudget(strategy, outcome.clusters, {
      Q: p.Q,
      seed,
      annotated,
      target,
      free,
      notes,
    })

  const picked = outcome.picked
  if (count < target) notes.push(`only ${free} unannotated ROIs`)
  const voronoi = nearestQuery(
    bothStreams(input.mask, input.image),
    picked.map((index) => ({ index, cluster: 0, distance: 0 })),
  )
  notes.push(
    'no clusters of its own: every ROI takes the label of its nearest query (both streams, standardised)',
  )
  return {
    strategy,
    queries: voronoi.queries,
    assignment: voronoi.assignment,
    clusters: picked.length,
    notes,
  }
}

/**
 * A clustering strategy's queries: its clusters' representatives, cut to the budget (the largest
 * clusters' first) or topped up to it from the clusters with the most unannotated ROIs.
 */
async function representativesWithinBudget(
  strategy: Strategy,
  clustering: Clustering,
  o: {
    Q: number
    seed: number
    annotated: ReadonlySet<number>
    target: number
    free: number
    notes: string[]
  },
): Promise<Suggestion> {
  const { annotated, target, notes } = o
  let queries = await representatives(clustering, o.Q, annotated, o.seed, notes)
  if (queries.length > target) {
    // Keep the queries of the largest clusters: their answers label the most ROIs.
    const size = new Map<number, number>()
    for (const c of clustering.assignment) size.set(c, (size.get(c) ?? 0) + 1)
    queries = queries
      .slice()
      .sort((a, b) => size.get(b.cluster)! - size.get(a.cluster)! || byClusterThenDistance(a, b))
      .slice(0, target)
    notes.push(`budget ${target}: the queries of the ${target} largest clusters' representatives`)
  }
  const short = Math.min(target, o.free) - queries.length
  if (short > 0) {
    const added = fillBudget(clustering, queries, queries.length + short, annotated)
    notes.push(
      `${added} more queries to reach the budget of ${target}, from the clusters with the most unannotated ROIs per label`,
    )
  }
  return {
    strategy,
    queries: queries.sort(byClusterThenDistance),
    assignment: clustering.assignment,
    clusters: clustering.clusters,
    ...(clustering.parents ? { parents: clustering.parents } : {}),
    notes,
  }
}
