import type { Region, Shape3 } from '../volume/index.ts'

/**
 * Window origins along one axis: step = window - overlap, the last window flush with the end. When
 * the axis is shorter than the window there is one window at 0 (the reader pads).
 */
export function axisOrigins(length: number, window: number, overlap: number): number[] {
  if (length <= window) return [0]
  const step = Math.max(1, window - overlap)
  const out: number[] = []
  for (let o = 0; o + window < length; o += step) out.push(o)
  out.push(length - window)
  return out
}

/** Separable blending weight: a raised sine, never zero, so every voxel has weight where windows meet. */
export function blendWeights(window: Shape3): Float32Array {
  const axis = (n: number): Float32Array => {
    const w = new Float32Array(n)
    for (let i = 0; i < n; i++) w[i] = 0.05 + Math.sin((Math.PI * (i + 0.5)) / n) ** 2
    return w
  }
  const [wz, wy, wx] = window.map(axis) as [Float32Array, Float32Array, Float32Array]
  const out = new Float32Array(window[0] * window[1] * window[2])
  let i = 0
  for (let z = 0; z < window[0]; z++)
    for (let y = 0; y < window[1]; y++)
      for (let x = 0; x < window[2]; x++) out[i++] = wz[z]! * wy[y]! * wx[x]!
  return out
}

/** All windows of the global grid that intersect `tile`: the same grid for every tile, so results do not depend on tiling. */
export function windowsForTile(shape: Shape3, window: Shape3, overlap: Shape3, tile: Region): Shape3[] {
  const per = [0, 1, 2].map((a) => {
    const lo = [tile.z0, tile.y0, tile.x0][a]!
    const hi = [tile.z1, tile.y1, tile.x1][a]!
    return axisOrigins(shape[a]!, window[a]!, overlap[a]!).filter((o) => o < hi && o + window[a]! > lo)
  })
  const out: Shape3[] = []
  for (const z of per[0]!) for (const y of per[1]!) for (const x of per[2]!) out.push([z, y, x])
  return out
}
