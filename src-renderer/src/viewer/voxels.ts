/** The crop arrays the viewer hands to vtk.js: decoded, subsampled for the 3D view, interleaved. */
import type { VolumeCrop } from '../../../src-shared/contract.ts'
import { decodeBase64 } from '../lib/base64.ts'
import type { Vec3 } from './geometry.ts'

/** A crop's voxels (0..255 display values) and where they lie; `prob` covers the same box. */
export interface CropVoxels {
  raw: Uint8Array
  prob: Uint8Array | null
  origin: Vec3
  dims: Vec3
  step: number
  /** The volume values mapped to 0 and 255. */
  low: number
  high: number
}

export function decodeCrop(raw: VolumeCrop, prob: VolumeCrop | null): CropVoxels {
  return {
    raw: decodeBase64(raw.voxels),
    prob: prob ? decodeBase64(prob.voxels) : null,
    origin: raw.origin as Vec3,
    dims: raw.dims as Vec3,
    step: raw.step,
    low: raw.low,
    high: raw.high,
  }
}

/** Every stride-th voxel per axis of a C-order (z, y, x) array, as the host's step does. */
export function subsample(voxels: Uint8Array, dims: Vec3, stride: Vec3): { voxels: Uint8Array; dims: Vec3 } {
  const out = dims.map((n, a) => Math.ceil(n / stride[a]!)) as Vec3
  const result = new Uint8Array(out[0] * out[1] * out[2])
  let o = 0
  for (let z = 0; z < dims[0]; z += stride[0])
    for (let y = 0; y < dims[1]; y += stride[1]) {
      const row = (z * dims[1] + y) * dims[2]
      for (let x = 0; x < dims[2]; x += stride[2]) result[o++] = voxels[row + x]!
    }
  return { voxels: result, dims: out }
}

/** Two arrays of one length as one two-component array (a, b, a, b, ...). */
export function interleave(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new Error(`interleave: lengths differ (${a.length} vs ${b.length})`)
  const out = new Uint8Array(a.length * 2)
  for (let i = 0; i < a.length; i++) {
    out[2 * i] = a[i]!
    out[2 * i + 1] = b[i]!
  }
  return out
}

/** The value of one voxel of a crop, or null outside it. */
export function voxelValue(
  voxels: Uint8Array,
  origin: Vec3,
  dims: Vec3,
  step: number,
  p: Vec3,
): number | null {
  const i = p.map((v, a) => Math.round((v - origin[a]!) / step)) as Vec3
  if (i.some((v, a) => v < 0 || v >= dims[a]!)) return null
  return voxels[(i[0] * dims[1] + i[1]) * dims[2] + i[2]] ?? null
}
