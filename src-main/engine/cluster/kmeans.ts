/**
 * Lloyd's k-means, following scikit-learn's KMeans(algorithm='lloyd') step for step (centred data,
 * tolerance scaled by the mean feature variance, stop on unchanged labels or a small centre shift, a
 * last assignment to the final centres, empty clusters given the farthest points), so that from the
 * same initial centres both reach the same clustering. Each iteration's assignment runs in worker
 * threads (shards.ts), where bounds spare most distance computations without changing a label
 * (lloyd-shard.ts) and the distances left run blocked on the tensor engine (worker-shard.ts), or on a
 * GPU backend in one product on the device (gpu-shard.ts).
 */
import { InputError } from '../errors.ts'
import { createRng } from '../random.ts'
import type { StepReply } from './lloyd-state.ts'
import { centredRows, checkShape } from './points.ts'
import { kmeansPlusPlus, randomCentres, type Rows } from './seeding.ts'
import { withShards, type Shards } from './shards.ts'

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
  return (await kmeansTuned(points, n, d, o, { bounds: true })).result
}

/** Knobs for tests: `bounds` false measures every point against every centre each iteration. */
export interface KMeansTuning {
  bounds: boolean
}

/** kmeans() with the knobs, and how many (point, centre) distances the kept run measured. */
export async function kmeansTuned(
  points: Float32Array,
  n: number,
  d: number,
  o: KMeansOptions,
  tuning: KMeansTuning,
): Promise<{ result: KMeansResult; measured: number }> {
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

  const rng = createRng(seed)
  const runs = init instanceof Float32Array ? 1 : restarts
  return withShards('k-means', points, n, d, async (shards, { mean, meanVariance }) => {
    const rows = (indices: ArrayLike<number>): Float32Array => centredRows(points, mean, indices)
    const tol = tolerance * meanVariance
    let kept: { result: KMeansResult; measured: number } | null = null
    for (let run = 0; run < runs; run++) {
      o.signal?.throwIfAborted()
      const start =
        init instanceof Float32Array
          ? init.map((v, i) => v - mean[i % d]!)
          : init === 'random'
            ? randomCentres(rows, n, k, rng)
            : await kmeansPlusPlus(shards, rows, n, d, k, rng, o.signal)
      const one = await lloyd(shards, rows, d, k, start, {
        maxIterations,
        tol,
        bounds: tuning.bounds,
        progress: (it, inertia) => o.onProgress?.(run, it, inertia),
        signal: o.signal,
      })
      if (!kept || one.result.inertia < kept.result.inertia) kept = one
    }
    const { centres } = kept!.result
    for (let i = 0; i < centres.length; i++) centres[i]! += mean[i % d]!
    return kept!
  })
}

interface LloydOptions {
  maxIterations: number
  tol: number
  bounds: boolean
  progress: (iteration: number, inertia: number) => void
  signal: AbortSignal | undefined
}

async function lloyd(
  shards: Shards,
  rows: Rows,
  d: number,
  k: number,
  initial: Float32Array,
  o: LloydOptions,
): Promise<{ result: KMeansResult; measured: number }> {
  let centres = initial
  /** The centres of the last step, from which the workers' bounds were taken. */
  let previous: Float32Array | null = null
  let measured = 0
  const step = async (update: boolean): Promise<StepReply[]> => {
    const shifts = previous ? centreShifts(previous, centres, k, d) : null
    const request = { op: 'step', centres, k, shifts, update, bounds: o.bounds } as const
    const replies = await shards.all<'step'>(() => request)
    previous = centres
    for (const r of replies) measured += r.measured
    return replies
  }
  let strict = false
  let iterations = 0
  let emptyRepaired = 0
  for (let i = 0; i < o.maxIterations; i++) {
    o.signal?.throwIfAborted()
    const replies = await step(true)
    const update = await newCentres(shards, replies, rows, d, k)
    emptyRepaired += update.repaired
    let shift = 0
    for (let j = 0; j < centres.length; j++) shift += (update.centres[j]! - centres[j]!) ** 2
    centres = update.centres
    iterations = i + 1
    o.progress(
      iterations,
      replies.reduce((s, r) => s + r.inertia!, 0),
    )
    // sklearn's order: the centres just computed are kept, then unchanged labels or a small shift stop.
    if (i > 0 && replies.every((r) => r.changed === 0)) {
      strict = true
      break
    }
    if (shift <= o.tol) break
  }
  // Labels that match the final centres (unless they were already: the last centres came from them).
  if (!strict) await step(false)
  const exact = await shards.all<'exact'>(() => ({ op: 'exact', centres }))
  const result = {
    centres: centres.slice(),
    labels: concat(
      exact.map((r) => r.labels),
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
  return { result, measured }
}

/** How far each centre moved (Euclidean, float64): what the workers' bounds must allow for. */
function centreShifts(from: Float32Array, to: Float32Array, k: number, d: number): Float64Array {
  const shifts = new Float64Array(k)
  for (let c = 0; c < k; c++) {
    let s = 0
    for (let t = c * d; t < (c + 1) * d; t++) s += (to[t]! - from[t]!) ** 2
    shifts[c] = Math.sqrt(s)
  }
  return shifts
}

/**
 * Means of the clusters from the shards' sums. An empty cluster takes the point farthest from its
 * centre (the next farthest for the next empty one), moved out of its own cluster, as sklearn does.
 */
async function newCentres(
  shards: Shards,
  replies: StepReply[],
  rows: Rows,
  d: number,
  k: number,
): Promise<{ centres: Float32Array; repaired: number }> {
  const sums = new Float64Array(k * d)
  const counts = new Float64Array(k)
  for (const r of replies) {
    for (let j = 0; j < sums.length; j++) sums[j]! += r.sums![j]!
    for (let j = 0; j < k; j++) counts[j]! += r.counts![j]!
  }
  const empty: number[] = []
  for (let j = 0; j < k; j++) if (counts[j] === 0) empty.push(j)
  if (empty.length > 0) {
    const far = await farthest(shards, empty.length)
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

/**
 * The `count` points farthest (exactly) from the centres of the last step, farthest first (ties: the
 * lower index), as sklearn picks them for empty clusters.
 */
async function farthest(shards: Shards, count: number): Promise<{ index: number; label: number }[]> {
  const parts = await shards.all<'farthest'>(() => ({ op: 'farthest', count }))
  const all = parts.flatMap((list, s) => list.map((f) => ({ ...f, index: shards.parts[s]!.start + f.index })))
  all.sort((a, b) => b.distance - a.distance || a.index - b.index)
  return all.slice(0, count)
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
