/**
 * Lloyd's k-means, following scikit-learn's KMeans(algorithm='lloyd') step for step (centred data,
 * tolerance scaled by the mean feature variance, stop on unchanged labels or a small centre shift, a
 * last assignment to the final centres, empty clusters given the farthest points), so that from the
 * same initial centres both reach the same clustering. The distances run blocked on the tensor engine
 * in worker threads (shard.ts); never more than one block of k x 4096 scores per worker at a time.
 */
import { InputError } from '../errors.ts'
import { createRng } from '../synth/random.ts'
import { centredRows, checkShape, moments } from './points.ts'
import { kmeansPlusPlus, randomCentres, type Rows } from './seeding.ts'
import { withShards, type Shards } from './shards.ts'
import type { AssignReply } from './shard.ts'

export interface KMeansOptions {
  k: number
  /** Lloyd iterations per run at most (default 300). */
  maxIterations?: number
  /** Stop when the centres move less than this (sum of squared moves), relative to the mean feature variance, as sklearn's tol (default 1e-4). */
  tolerance?: number
  /** Runs from different seeds; the lowest inertia wins (default 3). */
  restarts?: number
  seed?: number
  /** k-means++ (default), k random points, or k x d centres (then one run). */
  init?: 'k-means++' | 'random' | Float32Array
  /** After each iteration: the run, the iteration (from 1) and the inertia of that iteration's assignment. */
  onProgress?: (restart: number, iteration: number, inertia: number) => void
  signal?: AbortSignal
}

export interface KMeansResult {
  /** k x d. */
  centres: Float32Array
  labels: Int32Array
  /** Squared distance of each point to its centre. */
  distances: Float32Array
  /** Their sum. */
  inertia: number
  iterations: number
  /** Times an empty cluster was given the farthest point, in the run kept. */
  emptyRepaired: number
}

export async function kmeans(
  points: Float32Array,
  n: number,
  d: number,
  o: KMeansOptions,
): Promise<KMeansResult> {
  checkShape('k-means', points, n, d)
  const { k } = o
  const maxIterations = o.maxIterations ?? 300
  const tolerance = o.tolerance ?? 1e-4
  const restarts = o.restarts ?? 3
  const seed = o.seed ?? 0
  const init = o.init ?? 'k-means++'
  if (!Number.isInteger(k) || k < 1) throw new InputError(`k-means: k must be a whole number >= 1, got ${k}`)
  if (k > n) throw new InputError(`k-means: k = ${k} clusters need at least ${k} points, got ${n}`)
  if (!Number.isInteger(maxIterations) || maxIterations < 1)
    throw new InputError(`k-means: maxIterations must be a whole number >= 1, got ${maxIterations}`)
  if (!(tolerance >= 0) || !Number.isFinite(tolerance))
    throw new InputError(`k-means: tolerance must be a finite number >= 0, got ${tolerance}`)
  if (!Number.isInteger(restarts) || restarts < 1)
    throw new InputError(`k-means: restarts must be a whole number >= 1, got ${restarts}`)
  if (!Number.isFinite(seed)) throw new InputError(`k-means: seed must be a finite number, got ${seed}`)
  if (init instanceof Float32Array) {
    if (init.length !== k * d)
      throw new InputError(`k-means: init has ${init.length} values, expected k x d = ${k * d}`)
    if (!init.every(Number.isFinite)) throw new InputError('k-means: init has a non-finite value')
  } else if (init !== 'k-means++' && init !== 'random') {
    throw new InputError(
      `k-means: init must be 'k-means++', 'random' or k x d centres, got '${String(init)}'`,
    )
  }
  o.signal?.throwIfAborted()

  const { mean, meanVariance } = moments('k-means', points, n, d)
  const rows = (indices: ArrayLike<number>): Float32Array => centredRows(points, mean, indices)
  const tol = tolerance * meanVariance
  const rng = createRng(seed)
  const runs = init instanceof Float32Array ? 1 : restarts
  const best = await withShards(points, n, d, mean, async (shards) => {
    let kept: KMeansResult | null = null
    for (let run = 0; run < runs; run++) {
      o.signal?.throwIfAborted()
      const start =
        init instanceof Float32Array
          ? init.map((v, i) => v - mean[i % d]!)
          : init === 'random'
            ? randomCentres(rows, n, k, rng)
            : await kmeansPlusPlus(shards, rows, n, d, k, rng, o.signal)
      const result = await lloyd(
        shards,
        rows,
        d,
        k,
        start,
        maxIterations,
        tol,
        (it, inertia) => o.onProgress?.(run, it, inertia),
        o.signal,
      )
      if (!kept || result.inertia < kept.inertia) kept = result
    }
    return kept!
  })
  for (let i = 0; i < best.centres.length; i++) best.centres[i]! += mean[i % d]!
  return best
}

async function lloyd(
  shards: Shards,
  rows: Rows,
  d: number,
  k: number,
  initial: Float32Array,
  maxIterations: number,
  tol: number,
  progress: (iteration: number, inertia: number) => void,
  signal: AbortSignal | undefined,
): Promise<KMeansResult> {
  let centres = initial
  let replies: AssignReply[] = []
  let strict = false
  let iterations = 0
  let emptyRepaired = 0
  for (let i = 0; i < maxIterations; i++) {
    signal?.throwIfAborted()
    replies = await shards.all<'assign'>(() => ({ op: 'assign', centres, k, update: true, fresh: i === 0 }))
    const update = newCentres(shards, replies, rows, d, k)
    emptyRepaired += update.repaired
    let shift = 0
    for (let j = 0; j < centres.length; j++) shift += (update.centres[j]! - centres[j]!) ** 2
    centres = update.centres
    iterations = i + 1
    let inertia = 0
    for (const r of replies) for (const v of r.distances) inertia += v
    progress(iterations, inertia)
    // sklearn's order: the centres just computed are kept, then unchanged labels or a small shift stop.
    if (i > 0 && replies.every((r) => r.changed === 0)) {
      strict = true
      break
    }
    if (shift <= tol) break
  }
  // Labels that match the final centres (unless they were already: the last centres came from them).
  if (!strict)
    replies = await shards.all<'assign'>(() => ({ op: 'assign', centres, k, update: false, fresh: false }))
  const exact = await shards.all<'exact'>(() => ({ op: 'exact', centres }))
  return {
    centres: centres.slice(),
    labels: concat(
      replies.map((r) => r.labels),
      Int32Array,
    ),
    distances: concat(
      exact.map((r) => r.distances),
      Float32Array,
    ),
    inertia: exact.reduce((s, r) => s + r.total, 0),
    iterations,
    emptyRepaired,
  }
}

/**
 * Means of the clusters from the shards' sums. An empty cluster takes the point farthest from its
 * centre (the next farthest for the next empty one), moved out of its own cluster, as sklearn does.
 */
function newCentres(
  shards: Shards,
  replies: AssignReply[],
  rows: Rows,
  d: number,
  k: number,
): { centres: Float32Array; repaired: number } {
  const sums = new Float64Array(k * d)
  const counts = new Float64Array(k)
  for (const r of replies) {
    for (let j = 0; j < sums.length; j++) sums[j]! += r.sums![j]!
    for (let j = 0; j < k; j++) counts[j]! += r.counts![j]!
  }
  const empty: number[] = []
  for (let j = 0; j < k; j++) if (counts[j] === 0) empty.push(j)
  if (empty.length > 0) {
    const far = farthest(shards, replies, empty.length)
    empty.forEach((j, e) => {
      const { index, label } = far[e]!
      const x = rows([index])
      for (let t = 0; t < d; t++) {
        sums[label * d + t]! -= x[t]!
        sums[j * d + t] = x[t]!
      }
      counts[label]!--
      counts[j] = 1
    })
  }
  const centres = new Float32Array(k * d)
  for (let j = 0; j < k; j++) {
    // A cluster whose only point was just moved keeps its bare sum, as sklearn's _average_centers does.
    const scale = counts[j]! > 0 ? 1 / counts[j]! : 1
    for (let t = 0; t < d; t++) centres[j * d + t] = sums[j * d + t]! * scale
  }
  return { centres, repaired: empty.length }
}

/** The `count` points farthest from their centres, farthest first (ties: the lower index). */
function farthest(shards: Shards, replies: AssignReply[], count: number): { index: number; label: number }[] {
  const top: { index: number; label: number; dist: number }[] = []
  replies.forEach((r, s) => {
    const start = shards.parts[s]!.start
    r.distances.forEach((dist, i) => {
      if (top.length === count && dist <= top[count - 1]!.dist) return
      const entry = { index: start + i, label: r.labels[i]!, dist }
      let at = top.length
      while (at > 0 && top[at - 1]!.dist < dist) at--
      top.splice(at, 0, entry)
      if (top.length > count) top.pop()
    })
  })
  return top
}

function concat<T extends Int32Array | Float32Array>(parts: T[], kind: { new (n: number): T }): T {
  const out = new kind(parts.reduce((s, p) => s + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
