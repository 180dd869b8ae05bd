import { allocate, bytesPerElement, type TypedArray } from './dtype.ts'
import type { Region, Volume } from './types.ts'

/** What `readSlabs` holds at once by default, besides the chunks of one band being decoded. */
export const SLAB_BYTES = 32 << 20

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

/**
 * A region as consecutive z-slabs of at most `maxBytes` (at least one plane), in order: concatenated,
 * they are the region C-ordered. Each slab is valid until the next one is asked for (one buffer serves
 * them all): copy what must outlive that. Slabs end on whole chunk layers when a layer fits, and each slab is
 * read one row of chunks at a time, so the decoded chunks held at once are one row's, not a layer's
 * (a 700 x 700 plane of 64 x 128 x 128 float64 chunks: 6 chunks of 8 MB, not 36).
 */
export async function* readSlabs(
  volume: Volume,
  region: Region,
  maxBytes = SLAB_BYTES,
): AsyncGenerator<TypedArray> {
  const sy = region.y1 - region.y0
  const sx = region.x1 - region.x0
  const bytes = bytesPerElement(volume.dtype)
  let depth = Math.max(1, Math.floor(maxBytes / (sy * sx * bytes)))
  if (depth >= volume.chunks[0]) depth -= depth % volume.chunks[0]
  // One buffer for every slab (the last one a view of its start): a slab is valid until the next is
  // asked for. Fresh ones each time left several 32 MB slabs to the garbage collector at once.
  const buffer = allocate(volume.dtype, Math.min(depth, region.z1 - region.z0) * sy * sx)
  const bands = cuts(region.y0, region.y1, volume.chunks[1])
  for (const [z0, z1] of cuts(region.z0, region.z1, depth)) {
    const slab = buffer.subarray(0, (z1 - z0) * sy * sx)
    if (bands.length === 1) {
      yield await volume.readRegion({ ...region, z0, z1 }, slab)
      continue
    }
    const dst = new Uint8Array(slab.buffer, slab.byteOffset, slab.byteLength)
    for (const [y0, y1] of bands) {
      const band = await volume.readRegion({ ...region, z0, z1, y0, y1 })
      // Rows copied as bytes: one code path for every dtype, bigint ones included.
      const src = new Uint8Array(band.buffer, band.byteOffset, band.byteLength)
      const row = sx * bytes
      const rows = y1 - y0
      for (let z = 0; z < z1 - z0; z++)
        for (let y = 0; y < rows; y++) {
          const from = (z * rows + y) * row
          dst.set(src.subarray(from, from + row), (z * sy + y0 - region.y0 + y) * row)
        }
    }
    yield slab
  }
}
