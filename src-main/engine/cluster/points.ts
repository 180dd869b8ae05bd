/**
 * The n x d float32 point arrays the clustering functions take: checks, their mean, and rows less
 * the mean. Everything downstream works on centred points, as sklearn does before k-means: distances
 * come from ||x||^2 - 2 x.c + ||c||^2 in float32, which loses the digits that matter when the points
 * sit far from the origin.
 */
import { InputError } from '../errors.ts'

export function checkShape(what: string, points: Float32Array, n: number, d: number): void {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${what}: n must be a whole number >= 1, got ${n}`)
  if (!Number.isInteger(d) || d < 1) throw new InputError(`${what}: d must be a whole number >= 1, got ${d}`)
  if (points.length !== n * d)
    throw new InputError(`${what}: ${n} points x ${d} features need ${n * d} values, got ${points.length}`)
}

export interface Moments {
  /** The float32 mean, subtracted from points and given centres alike (sklearn does it in float32). */
  mean: Float32Array
  /** The mean over features of each feature's variance (sklearn's scale for the tolerance). */
  meanVariance: number
}

/** Per-feature sums and sums of squares of some rows, and the first non-finite value (index -1: none). */
export interface PartialMoments {
  sums: Float64Array
  squares: Float64Array
  bad: number
  badValue: number
}

/** One pass over `rows` x d values (a shard's, in its worker, so that the shards share the work). */
export function partialMoments(x: Float32Array, rows: number, d: number): PartialMoments {
  const sums = new Float64Array(d)
  const squares = new Float64Array(d)
  for (let i = 0; i < rows; i++) {
    for (let j = 0, p = i * d; j < d; j++, p++) {
      const v = x[p]!
      sums[j]! += v
      squares[j]! += v * v
    }
  }
  // A non-finite value is an input error (it would poison every centre). It leaves its feature's
  // sum or square non-finite (float32 values cannot overflow them in float64): only then look.
  if (sums.every(Number.isFinite) && squares.every(Number.isFinite))
    return { sums, squares, bad: -1, badValue: 0 }
  const at = x.subarray(0, rows * d).findIndex((v) => !Number.isFinite(v))
  return { sums, squares, bad: Math.floor(at / d), badValue: x[at]! }
}

/** The moments of n points from their parts (in order, starting at `starts`). */
export function combineMoments(
  what: string,
  parts: readonly PartialMoments[],
  starts: readonly number[],
  n: number,
  d: number,
): Moments {
  parts.forEach((p, s) => {
    if (p.bad >= 0)
      throw new InputError(`${what}: point ${starts[s]! + p.bad} has a non-finite value (${p.badValue})`)
  })
  const sums = new Float64Array(d)
  const squares = new Float64Array(d)
  for (const p of parts) {
    for (let j = 0; j < d; j++) {
      sums[j]! += p.sums[j]!
      squares[j]! += p.squares[j]!
    }
  }
  let variance = 0
  for (let j = 0; j < d; j++) {
    const m = sums[j]! / n
    variance += Math.max(squares[j]! / n - m * m, 0)
  }
  return { mean: Float32Array.from(sums, (s) => s / n), meanVariance: variance / d }
}

/** The rows `indices` less the mean, one after another. */
export function centredRows(
  points: Float32Array,
  mean: Float32Array,
  indices: ArrayLike<number>,
): Float32Array {
  const d = mean.length
  const out = new Float32Array(indices.length * d)
  for (let r = 0; r < indices.length; r++) {
    const p = indices[r]! * d
    for (let j = 0; j < d; j++) out[r * d + j] = points[p + j]! - mean[j]!
  }
  return out
}

/**
 * Centres a shard's rows (rows x d) in place, each value rounded to float32 as it is stored, and
 * returns ||x||^2 of each centred row (float64) and their sum.
 */
export function centreRows(
  x: Float32Array,
  rows: number,
  d: number,
  mean: Float32Array,
): { norms: Float64Array; total: number } {
  const norms = new Float64Array(rows)
  let total = 0
  for (let i = 0; i < rows; i++) {
    let s = 0
    for (let j = 0, p = i * d; j < d; j++, p++) {
      const v = Math.fround(x[p]! - mean[j]!)
      x[p] = v
      s += v * v
    }
    norms[i] = s
    total += s
  }
  return { norms, total }
}
