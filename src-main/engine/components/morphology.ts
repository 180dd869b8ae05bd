import type { Shape3 } from '../volume/index.ts'

/** A box structuring element by its radius along z, y and x: (2rz+1) x (2ry+1) x (2rx+1) voxels. */
export type BoxRadius = Shape3

export type Morphology = { op: 'dilate' | 'close'; radius: BoxRadius }

/** How far beyond a block a morphology needs to read so the block's own voxels come out exact. */
export function haloOf(m: Morphology | undefined): Shape3 {
  if (!m) return [0, 0, 0]
  const k = m.op === 'close' ? 2 : 1
  return [m.radius[0] * k, m.radius[1] * k, m.radius[2] * k]
}

/**
 * Box dilation or erosion along one axis in place: a voxel becomes foreground when any (dilate) or all
 * (erode) of the 2r+1 voxels around it along the axis are. A box is separable, so three such passes make
 * the 3D box. Outside the array counts as background for dilation and as foreground for erosion: at the
 * volume's edge a closing then never removes foreground that was there (the holes it fills stay filled).
 */
function boxAlong(mask: Uint8Array, shape: Shape3, axis: 0 | 1 | 2, r: number, erode: boolean): void {
  if (r === 0) return
  const [nz, ny, nx] = shape
  const n = shape[axis]
  const stride = axis === 0 ? ny * nx : axis === 1 ? nx : 1
  // Prefix sums of foreground along the line: a window's count in O(1).
  const prefix = new Int32Array(n + 1)
  // Lines along the axis, indexed by (p, q): base offset p * ps + q * qs.
  const [lines, ps, across, qs] =
    axis === 0 ? [ny, nx, nx, 1] : axis === 1 ? [nz, ny * nx, nx, 1] : [nz * ny, nx, 1, 0]
  for (let p = 0; p < lines; p++) {
    for (let q = 0; q < across; q++) {
      const base = p * ps + q * qs
      for (let i = 0; i < n; i++) {
        prefix[i + 1] = prefix[i]! + (mask[base + i * stride]! !== 0 ? 1 : 0)
      }
      for (let i = 0; i < n; i++) {
        const lo = Math.max(0, i - r)
        const hi = Math.min(n, i + r + 1)
        const count = prefix[hi]! - prefix[lo]!
        mask[base + i * stride] = erode ? (count === hi - lo ? 1 : 0) : count > 0 ? 1 : 0
      }
    }
  }
}

/** Applies the morphology to a binary mask in place. */
export function applyMorphology(mask: Uint8Array, shape: Shape3, m: Morphology): void {
  for (const axis of [0, 1, 2] as const) boxAlong(mask, shape, axis, m.radius[axis], false)
  if (m.op === 'close')
    for (const axis of [0, 1, 2] as const) boxAlong(mask, shape, axis, m.radius[axis], true)
}
