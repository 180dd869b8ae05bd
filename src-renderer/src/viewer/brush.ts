/**
 * Brush and eraser strokes on an ROI's mask: a disc of voxels in one z slice, clipped to the ROI's box,
 * and the discs along the line between two pointer samples (a fast drag leaves no gaps).
 */

/** The mask over the ROI's box: z, y, x extents and 0/1 voxels in C order. */
export interface MaskGrid {
  dims: [number, number, number]
  data: Uint8Array
}

/** Sets the voxels within `radius` of the voxel nearest (y, x) in slice `z` (all in the box's voxels) to `value`; how many changed. */
export function paintDisc(
  grid: MaskGrid,
  z: number,
  y: number,
  x: number,
  radius: number,
  value: 0 | 1,
): number {
  const [nz, ny, nx] = grid.dims
  if (z < 0 || z >= nz) return 0
  // About the nearest voxel: radius 0 paints one voxel wherever the pointer is in it.
  y = Math.round(y)
  x = Math.round(x)
  const r = Math.max(0, radius)
  let changed = 0
  const yStart = Math.max(0, Math.ceil(y - r))
  const yEnd = Math.min(ny - 1, Math.floor(y + r))
  const xStart = Math.max(0, Math.ceil(x - r))
  const xEnd = Math.min(nx - 1, Math.floor(x + r))
  for (let yy = yStart; yy <= yEnd; yy++)
    for (let xx = xStart; xx <= xEnd; xx++) {
      if ((yy - y) ** 2 + (xx - x) ** 2 > r * r + 1e-9) continue
      const i = (z * ny + yy) * nx + xx
      if (grid.data[i] !== value) {
        grid.data[i] = value
        changed++
      }
    }
  return changed
}

/** Paints discs from (y0, x0) to (y1, x1) in slice `z`, at most half a radius (and one voxel) apart. */
export function paintLine(
  grid: MaskGrid,
  z: number,
  from: [number, number],
  to: [number, number],
  radius: number,
  value: 0 | 1,
): number {
  const length = Math.hypot(to[0] - from[0], to[1] - from[1])
  const steps = Math.max(1, Math.ceil(length / Math.max(0.5, Math.min(1, radius / 2))))
  let changed = 0
  for (let s = 0; s <= steps; s++) {
    const t = s / steps
    changed += paintDisc(
      grid,
      z,
      from[0] + (to[0] - from[0]) * t,
      from[1] + (to[1] - from[1]) * t,
      radius,
      value,
    )
  }
  return changed
}

/** Base64 of bytes, in chunks (String.fromCharCode takes only so many arguments). */
export function toBase64(bytes: Uint8Array): string {
  let text = ''
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(text)
}

export function fromBase64(text: string): Uint8Array {
  const raw = atob(text)
  const bytes = new Uint8Array(raw.length)
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i)
  return bytes
}
