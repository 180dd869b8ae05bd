/**
 * Initial centres for k-means, drawn as scikit-learn draws them (so results are comparable, not
 * equal: the random streams differ).
 */
import type { Rng } from '../random.ts'
import type { Shards } from './shards.ts'

/** Centred rows of the points by index (points.ts centredRows). */
export type Rows = (indices: ArrayLike<number>) => Float32Array

/** k distinct points, uniformly (sklearn's init='random': the first k of a permutation). */
export function randomCentres(rows: Rows, n: number, k: number, rng: Rng): Float32Array {
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  for (let c = 0; c < k; c++) {
    const j = rng.int(c, n)
    const pick = order[j]!
    order[j] = order[c]!
    order[c] = pick
  }
  return rows(order.subarray(0, k))
}

/**
 * Greedy k-means++ (Arthur & Vassilvitskii, with sklearn's greedy trials): the first centre uniformly,
 * then for each next one 2 + floor(ln k) candidates drawn with probability proportional to the
 * squared distance to the nearest centre so far, keeping the candidate that lowers the total most.
 */
export async function kmeansPlusPlus(
  shards: Shards,
  rows: Rows,
  n: number,
  d: number,
  k: number,
  rng: Rng,
  signal?: AbortSignal,
): Promise<Float32Array> {
  const trials = 2 + Math.floor(Math.log(k))
  const centres = new Float32Array(k * d)
  centres.set(rows([rng.int(0, n)]), 0)
  const start = await shards.all<'nearReset'>(() => ({
    op: 'nearReset',
    points: centres.slice(0, d),
    m: 1,
    exclude: new Int32Array(0),
    withNear: true,
  }))
  let near = start.map((r) => r.near!)
  let pot = near.reduce((s, a) => s + sum(a), 0)
  const cumulative = new Float64Array(n)
  for (let c = 1; c < k; c++) {
    signal?.throwIfAborted()
    let running = 0
    let i = 0
    for (const part of near) for (const v of part) cumulative[i++] = running += v
    const ids = new Int32Array(trials)
    for (let t = 0; t < trials; t++) ids[t] = Math.min(firstAtLeast(cumulative, rng.next() * pot), n - 1)
    const candidates = rows(ids)
    const pots = new Float64Array(trials)
    for (const part of await shards.all<'nearTry'>(() => ({ op: 'nearTry', candidates, m: trials }))) {
      for (let t = 0; t < trials; t++) pots[t]! += part[t]!
    }
    let best = 0
    for (let t = 1; t < trials; t++) if (pots[t]! < pots[best]!) best = t
    near = await shards.all<'nearPick'>(() => ({ op: 'nearPick', c: best }))
    pot = pots[best]!
    centres.set(candidates.subarray(best * d, (best + 1) * d), c * d)
  }
  return centres
}

function sum(a: Float64Array): number {
  let s = 0
  for (const v of a) s += v
  return s
}

/** The first index whose value is >= `value` in a non-decreasing array (numpy's searchsorted, left). */
function firstAtLeast(sorted: Float64Array, value: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! < value) lo = mid + 1
    else hi = mid
  }
  return lo
}
