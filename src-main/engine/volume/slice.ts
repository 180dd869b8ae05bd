import { toNumberArrayView } from './dtype.ts'
import { InputError } from '../errors.ts'
import type { Volume } from './types.ts'

export interface GreySlice {
  z: number
  width: number
  height: number
  step: number
  low: number
  high: number
  pixels: Uint8Array
}

/**
 * One z-plane for display, downsampled by an integer step so its longer side fits `maxSize`, read in
 * strips of rows so a very wide plane never sits in memory whole. Grey levels span the 1st to 99th
 * percentile, which keeps a few saturated voxels from washing out EM contrast.
 */
export async function readGreySlice(
  volume: Volume,
  z: number | undefined,
  maxSize: number,
): Promise<GreySlice> {
  const [nz, ny, nx] = volume.shape
  const zi = z ?? Math.floor(nz / 2)
  if (zi < 0 || zi >= nz)
    throw new InputError(`${volume.spec}: z ${zi} out of bounds, expected 0 <= z < ${nz}`)
  const step = Math.max(1, Math.ceil(Math.max(ny, nx) / maxSize))
  const width = Math.ceil(nx / step)
  const height = Math.ceil(ny / step)
  const values = new Float64Array(width * height)
  const strip = Math.max(step, Math.floor(volume.chunks[1] / step) * step)
  for (let y0 = 0; y0 < ny; y0 += strip) {
    const y1 = Math.min(ny, y0 + strip)
    const data = toNumberArrayView(await volume.readRegion({ z0: zi, z1: zi + 1, y0, y1, x0: 0, x1: nx }))
    for (let y = y0; y < y1; y += step) {
      const row = (y - y0) * nx
      const out = (y / step) * width
      for (let x = 0, i = 0; x < nx; x += step, i++) values[out + i] = data[row + x]!
    }
  }
  const sorted = Float64Array.from(values).sort()
  const low = sorted[Math.floor(0.01 * (sorted.length - 1))]!
  let high = sorted[Math.ceil(0.99 * (sorted.length - 1))]!
  if (high <= low) high = sorted[sorted.length - 1]! > low ? sorted[sorted.length - 1]! : low + 1
  const pixels = new Uint8Array(values.length)
  const scale = 255 / (high - low)
  for (let i = 0; i < values.length; i++) {
    const g = (values[i]! - low) * scale
    pixels[i] = g < 0 ? 0 : g > 255 ? 255 : Math.round(g)
  }
  return { z: zi, width, height, step, low, high, pixels }
}
