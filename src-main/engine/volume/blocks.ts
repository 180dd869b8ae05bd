import { bytesPerElement } from './dtype.ts'
import type { Region, Shape3, Volume } from './types.ts'

/**
 * Chunk-aligned blocks covering the volume, each grown from one storage chunk along x, then y, then z
 * (or the axes in `order`) while it stays under `maxBytes`: large sequential reads, memory bounded by
 * the block, not the volume. Grown along z first, every whole chunk is one contiguous run of the
 * block, for readers that care about voxels and not their neighbours.
 */
export function blockShape(
  volume: Pick<Volume, 'shape' | 'chunks' | 'dtype'>,
  maxBytes = 4 << 20,
  order: readonly (0 | 1 | 2)[] = [2, 1, 0],
): Shape3 {
  const item = bytesPerElement(volume.dtype)
  const block: Shape3 = [...volume.chunks]
  for (const axis of order) {
    const whole = Math.ceil(volume.shape[axis] / volume.chunks[axis]) * volume.chunks[axis]
    while (block[axis] < whole) {
      const grown: Shape3 = [...block]
      grown[axis] = Math.min(whole, block[axis] + volume.chunks[axis])
      if (grown[0] * grown[1] * grown[2] * item > maxBytes) break
      block[axis] = grown[axis]
    }
  }
  return block
}

export function* blocks(shape: Shape3, block: Shape3): Generator<Region> {
  for (let z = 0; z < shape[0]; z += block[0])
    for (let y = 0; y < shape[1]; y += block[1])
      for (let x = 0; x < shape[2]; x += block[2])
        yield {
          z0: z,
          z1: Math.min(shape[0], z + block[0]),
          y0: y,
          y1: Math.min(shape[1], y + block[1]),
          x0: x,
          x1: Math.min(shape[2], x + block[2]),
        }
}
