import { InputError } from '../errors.ts'
import { toNumberArrayView } from './dtype.ts'
import type { Shape3, Volume } from './types.ts'

export interface CropRequest {
  /** Centre, z, y, x; the volume's centre by default. */
  center?: Shape3
  /** Box size before the step, z, y, x; clipped to the volume. */
  size?: Shape3
  step?: number
  window?: 'image' | 'probability'
  /** The image values shown as 0 and 255 (the volume's one auto-contrast) instead of the crop's percentiles. */
  range?: [number, number]
}

export interface Crop {
  origin: Shape3
  dims: Shape3
  step: number
  low: number
  high: number
  /** uint8, C order (z, y, x). */
  voxels: Uint8Array
}

/** The viewer's default box: enough context around a synapse or mitochondrion, small enough to send at once. */
export const DEFAULT_CROP: Shape3 = [48, 192, 192]

/** Crops larger than this many voxels (after the step) are refused: the viewer asks for a step instead. */
export const MAX_CROP_VOXELS = 16 * 1024 * 1024

/** The value range shown as 0..255: a percentile window of `values` for images, the probability range for maps. */
export function displayWindow(
  values: Float64Array | Float32Array,
  kind: 'image' | 'probability',
  dtype: string,
): [number, number] {
  if (kind === 'probability') return dtype.startsWith('float') ? [0, 1] : [0, 255]
  const sample =
    values.length > 1 << 16 ? values.filter((_, i) => i % Math.ceil(values.length / 65536) === 0) : values
  const sorted = Float64Array.from(sample).sort()
  const low = sorted[Math.floor(0.005 * (sorted.length - 1))] ?? 0
  let high = sorted[Math.ceil(0.995 * (sorted.length - 1))] ?? 1
  if (high <= low) high = low + 1
  return [low, high]
}

/**
 * A box of the volume for display, read chunk-wise (only the chunks the box touches) and mapped to
 * 0..255 through a window: a percentile window of the box for images, 0..1 for probability maps.
 */
export async function readCrop(volume: Volume, request: CropRequest = {}): Promise<Crop> {
  const shape = volume.shape
  const step = request.step ?? 1
  const size = request.size ?? DEFAULT_CROP
  const center = request.center ?? (shape.map((n) => Math.floor(n / 2)) as Shape3)
  for (let a = 0; a < 3; a++)
    if (center[a]! >= shape[a]!)
      throw new InputError(
        `${volume.spec}: centre ${center.join(',')} is outside the volume (shape ${shape.join(' x ')})`,
      )
  const origin = [0, 0, 0] as Shape3
  const end = [0, 0, 0] as Shape3
  for (let a = 0; a < 3; a++) {
    const n = Math.min(size[a]!, shape[a]!)
    origin[a] = Math.max(0, Math.min(shape[a]! - n, center[a]! - Math.floor(n / 2)))
    end[a] = origin[a]! + n
  }
  const dims = [0, 1, 2].map((a) => Math.ceil((end[a]! - origin[a]!) / step)) as Shape3
  if (dims[0] * dims[1] * dims[2] > MAX_CROP_VOXELS)
    throw new InputError(
      `${volume.spec}: a crop of ${dims.join(' x ')} voxels is too large to display; ask for a larger step`,
    )
  const values = new Float32Array(dims[0] * dims[1] * dims[2])
  const ny = end[1] - origin[1]
  const nx = end[2] - origin[2]
  // One read per z-chunk layer the box's planes fall in, from its first wanted plane to its last:
  // each chunk is decoded once (plane by plane decoded a chunk of 8 planes 8 times), and memory stays
  // at one chunk layer of the box however large the step makes the box.
  const cz = Math.max(1, volume.chunks[0])
  for (let zi = 0; zi < dims[0];) {
    const first = origin[0] + zi * step
    const layerEnd = (Math.floor(first / cz) + 1) * cz
    let count = 1
    while (zi + count < dims[0] && origin[0] + (zi + count) * step < layerEnd) count++
    const last = origin[0] + (zi + count - 1) * step
    const data = toNumberArrayView(
      await volume.readRegion({
        z0: first,
        z1: last + 1,
        y0: origin[1],
        y1: end[1],
        x0: origin[2],
        x1: end[2],
      }),
    )
    for (let k = 0; k < count; k++) {
      const plane = k * step * ny * nx
      let o = (zi + k) * dims[1] * dims[2]
      for (let y = 0; y < ny; y += step)
        for (let x = 0; x < nx; x += step) values[o++] = data[plane + y * nx + x]!
    }
    zi += count
  }
  const [low, high] =
    request.range && request.window !== 'probability'
      ? request.range
      : displayWindow(values, request.window ?? 'image', volume.dtype)
  const voxels = new Uint8Array(values.length)
  const scale = 255 / (high - low)
  for (let i = 0; i < values.length; i++) {
    const g = (values[i]! - low) * scale
    voxels[i] = g < 0 ? 0 : g > 255 ? 255 : Math.round(g)
  }
  return { origin, dims, step, low, high, voxels }
}
