import { allocate, bytesPerElement, type TypedArray } from './dtype.ts'
import { regionSize, type Region, type Volume } from './types.ts'

/** What `readBoxes` holds at once by default, besides the chunks of the box being decoded. */
export const BOX_BYTES = 48 << 20

/**
 * Chunk-aligned cuts of [a, b): at multiples of `step` in volume coordinates, so that each piece
 * touches whole chunk layers or rows.
 */
function cuts(a: number, b: number, step: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (let s = a; s < b;) {
    const e = Math.min(b, (Math.floor(s / step) + 1) * step)
    out.push([s, e])
    s = e
  }
  return out
}

export interface Box {
  region: Region
  /** The box's values, C-ordered; valid until the next box is asked for (one buffer serves all). */
  data: TypedArray
}

/**
 * A region as boxes of whole chunk rows (one chunk layer deep, one chunk row high, the region's
 * full width), in z then y order, so every chunk is decoded once and memory holds one box and
 * its row of chunks: a 700^3 float64 region in 64 x 128 x 128 chunks is read 46 MB at a time. A
 * chunk row over `maxBytes` is cut thinner in z (its chunks are then decoded once per cut).
 */
export async function* readBoxes(volume: Volume, region: Region, maxBytes = BOX_BYTES): AsyncGenerator<Box> {
  const bytes = bytesPerElement(volume.dtype)
  const sx = region.x1 - region.x0
  const rows = cuts(region.y0, region.y1, volume.chunks[1])
  const tallest = Math.max(...rows.map(([a, b]) => b - a))
  const depth = Math.max(1, Math.min(volume.chunks[0], Math.floor(maxBytes / (tallest * sx * bytes))))
  const layers = depth === volume.chunks[0] ? cuts(region.z0, region.z1, depth) : thin(region, volume, depth)
  const buffer = allocate(volume.dtype, Math.min(depth, region.z1 - region.z0) * tallest * sx)
  for (const [z0, z1] of layers)
    for (const [y0, y1] of rows) {
      const box = { ...region, z0, z1, y0, y1 }
      yield { region: box, data: await volume.readRegion(box, buffer.subarray(0, regionSize(box))) }
    }
}

/** z-cuts of at most `depth` planes that still never straddle a chunk layer. */
function thin(region: Region, volume: Volume, depth: number): Array<[number, number]> {
  return cuts(region.z0, region.z1, volume.chunks[0]).flatMap(([a, b]) =>
    cuts(a, b, depth).map(([s, e]) => [s, e] as [number, number]),
  )
}
