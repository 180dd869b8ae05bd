import { kCenterGreedy, kmeans } from '../cluster/index.ts'
import { InputError } from '../errors.ts'
import { createRng } from '../random.ts'
import { concat, pick, squaredDistance, standardise, type Matrix } from './features.ts'
import type { Partition } from './propagate.ts'

export const STRATEGIES = [
  'two-stream',
  'late-fusion',
  'mask-only',
  'image-only',
  'random',
  'uncertainty',
  'core-set',
] as const
export type Strategy = (typeof STRATEGIES)[number]

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

interface Clustering {
  assignment: Int32Array
  clusters: number
  parents?: Partition
  /** Centre of each cluster in `space`, row-major. */
  centres: Float32Array
  space: Matrix
}

async function cluster(
  space: Matrix,
  k: number,
  seed: number,
): Promise<{ labels: Int32Array; centres: Float32Array }> {
  const r = await kmeans(space.data, space.n, space.d, { k: Math.min(k, space.n), seed, restarts: 3 })
  return { labels: r.labels, centres: r.centres }
}

/** Flat clustering into k clusters of one space. */
async function flat(space: Matrix, k: number, seed: number): Promise<Clustering> {
  const { labels, centres } = await cluster(space, k, seed)
  return { assignment: labels, clusters: Math.min(k, space.n), centres, space }
}

/**
 * Paper Sec. 4.1: N clusters on the first stream, each split into M on the second. Subcluster centres are
 * kept in the second stream's space, where the representatives are chosen.
 */
async function hierarchical(
  first: Matrix,
  second: Matrix,
  N: number,
  M: number,
  seed: number,
  notes: string[],
): Promise<Clustering> {
  const top = await cluster(first, N, seed)
  const k = Math.min(N, first.n)
  if (k < N) notes.push(`${first.n} ROIs: ${k} first-stream clusters instead of ${N}`)
  const members: number[][] = Array.from({ length: k }, () => [])
  top.labels.forEach((l, i) => members[l]!.push(i))
  const split = subclusterCounts(
    members.map((m) => m.length),
    M,
  )
  const small = members.filter((m) => m.length > 0 && m.length < M).length
  if (small > 0)
    notes.push(
      `${small} of ${k} clusters had fewer than M = ${M} ROIs and were split into as many as they hold` +
        (split.moved > 0 ? `; the ${split.moved} subclusters they left went to the largest clusters` : ''),
    )
  const made = split.counts.reduce((a, b) => a + b, 0)
  if (made < k * M) notes.push(`${made} subclusters instead of ${k * M}: every ROI is one`)
  const assignment = new Int32Array(first.n)
  const centres: number[] = []
  let clusters = 0
  for (let c = 0; c < k; c++) {
    const m = split.counts[c]!
    if (m === 0) continue
    const sub = await cluster(pick(second, members[c]!), m, seed + 1 + c)
    for (let s = 0; s < m; s++) centres.push(...sub.centres.subarray(s * second.d, (s + 1) * second.d))
    members[c]!.forEach((i, j) => (assignment[i] = clusters + sub.labels[j]!))
    clusters += m
  }
  return {
    assignment,
    clusters,
    parents: { assignment: top.labels, clusters: k },
    centres: Float32Array.from(centres),
    space: second,
  }
}

/**
 * Subclusters per first-stream cluster: M each, as many as its members where it has fewer, and the
 * subclusters those could not use to the clusters with the most members per subcluster, so that the
 * split keeps N*M subclusters (and the query budget) whenever the ROIs allow it.
 */
export function subclusterCounts(sizes: readonly number[], M: number): { counts: number[]; moved: number } {
  const counts = sizes.map((size) => Math.min(M, size))
  let spare = sizes.length * M - counts.reduce((a, b) => a + b, 0)
  let moved = 0
  while (spare > 0) {
    let best = -1
    for (let c = 0; c < sizes.length; c++)
      if (counts[c]! < sizes[c]! && (best < 0 || sizes[c]! * counts[best]! > sizes[best]! * counts[c]!))
        best = c
    if (best < 0) break
    counts[best]!++
    spare--
    moved++
  }
  return { counts, moved }
}

/**
 * Q representatives per cluster: the unannotated members nearest Q k-means centres of the cluster
 * (Q = 1: the member nearest the cluster's centre).
 */
async function representatives(
  c: Clustering,
  Q: number,
  annotated: ReadonlySet<number>,
  seed: number,
  notes: string[],
): Promise<Query[]> {
  const queries: Query[] = []
  let short = 0
  for (let k = 0; k < c.clusters; k++) {
    const members: number[] = []
    c.assignment.forEach((l, i) => {
      if (l === k && !annotated.has(i)) members.push(i)
    })
    if (members.length === 0) continue
    const distanceTo = (i: number): number => centreDistance(c, i, k)
    let chosen: number[]
    if (Q === 1 || members.length <= Q) {
      chosen = Q === 1 ? [members.reduce((a, b) => (distanceTo(b) < distanceTo(a) ? b : a))] : members
      if (members.length < Q) short++
    } else {
      const sub = await cluster(pick(c.space, members), Q, seed + 7919 + k)
      const used = new Set<number>()
      chosen = []
      for (let q = 0; q < Q; q++) {
        let best = -1
        let bestD = Infinity
        for (let j = 0; j < members.length; j++) {
          if (used.has(j)) continue
          const d = squaredDistance(c.space, members[j]!, sub.centres, q)
          if (d < bestD) {
            bestD = d
            best = j
          }
        }
        used.add(best)
        chosen.push(members[best]!)
      }
    }
    for (const i of chosen) queries.push({ index: i, cluster: k, distance: distanceTo(i) })
  }
  if (short > 0)
    notes.push(`${short} clusters had fewer than Q = ${Q} unannotated ROIs: all of them were queried`)
  return queries
}

/** Euclidean distance of ROI `i` to the centre of cluster `k`, in the space the clusters were made in. */
function centreDistance(c: Clustering, i: number, k: number): number {
  return Math.sqrt(squaredDistance(c.space, i, c.centres, k))
}

/**
 * More queries when the representatives fall short of the budget (clusters whose ROIs are all
 * annotated already, or too few of them for Q): one at a time from the cluster with the most
 * unannotated ROIs per label it holds (annotated or asked), the member nearest its centre.
 */
function fillBudget(c: Clustering, queries: Query[], want: number, annotated: ReadonlySet<number>): number {
  const asked = new Set(queries.map((q) => q.index))
  const left: number[][] = Array.from({ length: c.clusters }, () => [])
  const labels = new Array<number>(c.clusters).fill(0)
  c.assignment.forEach((k, i) => {
    if (annotated.has(i) || asked.has(i)) labels[k]!++
    else left[k]!.push(i)
  })
  // Farthest first, so that pop() takes the nearest; each distance measured once, not per comparison.
  const distance = new Float64Array(c.assignment.length)
  for (const [k, members] of left.entries()) {
    for (const i of members) distance[i] = centreDistance(c, i, k)
    members.sort((a, b) => distance[b]! - distance[a]! || b - a)
  }
  let added = 0
  while (queries.length < want) {
    let best = -1
    for (let k = 0; k < c.clusters; k++)
      if (
        left[k]!.length > 0 &&
        (best < 0 || left[k]!.length * (labels[best]! + 1) > left[best]!.length * (labels[k]! + 1))
      )
        best = k
    if (best < 0) break
    const i = left[best]!.pop()!
    queries.push({ index: i, cluster: best, distance: distance[i]! })
    labels[best]!++
    added++
  }
  return added
}

/** Clusters for strategies that pick without clustering: every ROI joins its nearest query (Voronoi). */
function nearestQuery(space: Matrix, queries: Query[]): { assignment: Int32Array; queries: Query[] } {
  const assignment = new Int32Array(space.n)
  const centres = pick(
    space,
    queries.map((q) => q.index),
  ).data
  for (let i = 0; i < space.n; i++) {
    let best = 0
    let bestD = Infinity
    for (let q = 0; q < queries.length; q++) {
      const d = squaredDistance(space, i, centres, q)
      if (d < bestD) {
        bestD = d
        best = q
      }
    }
    assignment[i] = best
  }
  return { assignment, queries: queries.map((q, k) => ({ ...q, cluster: k, distance: 0 })) }
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
  const both = (): Matrix => concat(standardise(input.mask), standardise(input.image))

  let clustering: Clustering | null = null
  let queries: Query[]
  if (strategy === 'two-stream')
    clustering = await hierarchical(input.mask, input.image, p.N, p.M, seed, notes)
  else if (strategy === 'late-fusion') clustering = await flat(both(), p.N * p.M, seed)
  else if (strategy === 'mask-only') clustering = await flat(input.mask, p.N * p.M, seed)
  else if (strategy === 'image-only') clustering = await flat(input.image, p.N * p.M, seed)

  if (clustering) {
    queries = await representatives(clustering, p.Q, annotated, seed, notes)
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
    const short = Math.min(target, free) - queries.length
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

  const count = Math.min(target, free)
  if (count < target) notes.push(`only ${free} unannotated ROIs`)
  const candidates = [...Array(n).keys()].filter((i) => !annotated.has(i))
  let picked: number[]
  if (strategy === 'random') {
    const rng = createRng(seed)
    for (let i = candidates.length - 1; i > 0; i--) {
      const j = rng.int(0, i + 1)
      ;[candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!]
    }
    picked = candidates.slice(0, count)
  } else if (strategy === 'uncertainty') {
    // Least confident: mean probability nearest the 0.5 decision boundary.
    const margin = (i: number): number => Math.abs(Number(input.meanProbability[i]) - 0.5)
    picked = candidates.sort((a, b) => margin(a) - margin(b) || a - b).slice(0, count)
  } else if (strategy === 'core-set') {
    const space = both()
    picked = Array.from(await kCenterGreedy(space.data, space.n, space.d, count, [...annotated], seed))
  } else {
    throw new InputError(`--strategy: expected one of ${STRATEGIES.join(', ')}, got '${String(strategy)}'`)
  }
  const voronoi = nearestQuery(
    both(),
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
