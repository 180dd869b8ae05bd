import type { TypedArray } from './dtype.ts'
import type { Shape3 } from './types.ts'

/** Min, max and sum of `count` values: what statistics keep of a block or a chunk. */
export interface PartStats {
  min: number
  max: number
  sum: number
  count: number
}

export const EMPTY_STATS: PartStats = { min: Infinity, max: -Infinity, sum: 0, count: 0 }

export function mergeStats(a: PartStats, b: PartStats): PartStats {
  return {
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    sum: a.sum + b.sum,
    count: a.count + b.count,
  }
}

/**
 * uint8 by histogram, exact and about twice as fast as comparing every voxel. Four tables, filled in
 * turn, so runs of equal values do not wait on one counter.
 */
function uint8Stats(data: Uint8Array): PartStats {
  const counts = new Uint32Array(1024)
  const whole = data.length & ~3
  for (let i = 0; i < whole; i += 4) {
    counts[data[i]!]!++
    counts[256 + data[i + 1]!]!++
    counts[512 + data[i + 2]!]!++
    counts[768 + data[i + 3]!]!++
  }
  for (let i = whole; i < data.length; i++) counts[data[i]!]!++
  let min = Infinity
  let max = -Infinity
  let sum = 0
  for (let v = 0; v < 256; v++) {
    const c = counts[v]! + counts[256 + v]! + counts[512 + v]! + counts[768 + v]!
    if (c === 0) continue
    if (v < min) min = v
    max = v
    sum += c * v
  }
  return { min, max, sum, count: data.length }
}

/** Per-block sum in float64 stays exact for integer blocks and accurate to ~1e-12 relative for floats. */
export function blockStats(data: TypedArray): PartStats {
  if (data instanceof Uint8Array && data.length >= 4096) return uint8Stats(data)
  let min = Infinity
  let max = -Infinity
  let sum = 0
  if (data instanceof BigUint64Array || data instanceof BigInt64Array) {
    for (let i = 0; i < data.length; i++) {
      const v = Number(data[i])
      if (v < min) min = v
      if (v > max) max = v
      sum += v
    }
    return { min, max, sum, count: data.length }
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!
    if (v < min) min = v
    if (v > max) max = v
    sum += v
  }
  return { min, max, sum, count: data.length }
}

/**
 * The statistics of a C-ordered chunk of shape `chunk` of which only `valid` (from its origin) lies
 * inside the array: an edge chunk's padding is not data.
 */
export function chunkStats(values: TypedArray, chunk: Shape3, valid: Shape3): PartStats {
  if (valid[1] === chunk[1] && valid[2] === chunk[2])
    return blockStats(values.subarray(0, valid[0] * chunk[1] * chunk[2]))
  let out = EMPTY_STATS
  if (valid[2] === chunk[2]) {
    for (let z = 0; z < valid[0]; z++) {
      const at = z * chunk[1] * chunk[2]
      out = mergeStats(out, blockStats(values.subarray(at, at + valid[1] * chunk[2])))
    }
    return out
  }
  for (let z = 0; z < valid[0]; z++)
    for (let y = 0; y < valid[1]; y++) {
      const at = (z * chunk[1] + y) * chunk[2]
      out = mergeStats(out, blockStats(values.subarray(at, at + valid[2])))
    }
  return out
}
