import { blockShape, blocks } from './blocks.ts'
import { allocate, type TypedArray } from './dtype.ts'
import { blockStats, type PartStats } from './reduce.ts'
import { regionSize, type Region, type Shape3, type Volume } from './types.ts'

export interface VolumeStats {
  min: number
  max: number
  mean: number
}

/**
 * Chunk by chunk where the volume can summarise its chunks as they are decoded (Zarr, on the decode
 * workers); otherwise streamed block by block, never holding more than two blocks. Where the format
 * knows which chunks are stored, only those are read and the rest count as the fill value, so a store
 * that claims 10^12 voxels but holds a few chunks takes as long as those chunks.
 */
export async function computeStats(
  volume: Volume,
  onProgress?: (fraction: number) => void,
): Promise<VolumeStats> {
  const total = volume.shape[0] * volume.shape[1] * volume.shape[2]
  const stored = (await volume.storedChunkStats?.(onProgress)) ?? (await blockByBlock(volume, onProgress))
  let { min, max, sum } = stored
  const missing = total - stored.count
  if (missing > 0 && volume.sparse) {
    const fill = blockStats(new Float64Array([volume.sparse.fill]))
    if (fill.min < min) min = fill.min
    if (fill.max > max) max = fill.max
    sum += fill.sum * missing
  }
  return { min, max, mean: sum / total }
}

/** Min, max, sum and count of the blocks that hold a stored chunk (every block where that is unknown). */
async function blockByBlock(volume: Volume, onProgress?: (fraction: number) => void): Promise<PartStats> {
  let min = Infinity
  let max = -Infinity
  let sum = 0
  let count = 0
  // Order does not matter to min, max and mean: z-first blocks take whole chunks in one copy each.
  const block = blockShape(volume, 4 << 20, [0, 1, 2])
  // Two buffers: the next block is read (its chunks decoded on the workers) while this one is
  // summed. One read is in flight at a time, as every volume's readRegion expects.
  const size = block[0] * block[1] * block[2]
  const buffers = [allocate(volume.dtype, size), allocate(volume.dtype, size)]
  const regions = volume.sparse
    ? storedBlocks(volume.shape, volume.chunks, block, volume.sparse.cells())
    : [...blocks(volume.shape, block)]
  const read = (i: number): Promise<TypedArray> | null => {
    if (i >= regions.length) return null
    const p = volume.readRegion(regions[i]!, buffers[i % 2]!.subarray(0, regionSize(regions[i]!)))
    p.catch(() => {}) // awaited next turn; a progress callback that throws first must not orphan it
    return p
  }
  let next = read(0)
  for (let i = 0; i < regions.length; i++) {
    const data = await next!
    next = read(i + 1)
    const s = blockStats(data)
    if (s.min < min) min = s.min
    if (s.max > max) max = s.max
    sum += s.sum
    count += data.length
    onProgress?.((i + 1) / regions.length)
  }
  return { min, max, sum, count }
}

/** The blocks (multiples of the chunk shape) that hold at least one stored chunk, in z, y, x order. */
function storedBlocks(shape: Shape3, chunks: Shape3, block: Shape3, cells: Shape3[]): Region[] {
  const keys = new Map<string, Shape3>()
  for (const cell of cells) {
    const b = cell.map((c, i) => Math.floor((c * chunks[i]!) / block[i]!)) as Shape3
    keys.set(b.join(','), b)
  }
  return [...keys.values()]
    .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2])
    .map(([z, y, x]) => ({
      z0: z * block[0],
      z1: Math.min(shape[0], (z + 1) * block[0]),
      y0: y * block[1],
      y1: Math.min(shape[1], (y + 1) * block[1]),
      x0: x * block[2],
      x1: Math.min(shape[2], (x + 1) * block[2]),
    }))
}
