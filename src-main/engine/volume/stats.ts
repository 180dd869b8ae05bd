import { blockShape, blocks } from './blocks.ts'
import { allocate, type TypedArray } from './dtype.ts'
import { regionSize, type Volume } from './types.ts'

export interface VolumeStats {
  min: number
  max: number
  mean: number
}

/** Streams the volume block by block; never holds more than one block. */
export async function computeStats(
  volume: Volume,
  onProgress?: (fraction: number) => void,
): Promise<VolumeStats> {
  let min = Infinity
  let max = -Infinity
  let sum = 0
  let count = 0
  const total = volume.shape[0] * volume.shape[1] * volume.shape[2]
  const block = blockShape(volume)
  const buffer = allocate(volume.dtype, block[0] * block[1] * block[2])
  for (const region of blocks(volume.shape, block)) {
    const data = await volume.readRegion(region, buffer.subarray(0, regionSize(region)))
    const s = blockStats(data)
    if (s.min < min) min = s.min
    if (s.max > max) max = s.max
    sum += s.sum
    count += data.length
    onProgress?.(count / total)
  }
  return { min, max, mean: sum / count }
}

/** Per-block sum in float64 stays exact for integer blocks and accurate to ~1e-12 relative for floats. */
function blockStats(data: TypedArray): { min: number; max: number; sum: number } {
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
    return { min, max, sum }
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!
    if (v < min) min = v
    if (v > max) max = v
    sum += v
  }
  return { min, max, sum }
}
