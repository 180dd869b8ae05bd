/**
 * Picking an ROI in the 3D view: the ray from the camera through the clicked pixel, and the first ROI
 * box it enters. Plain maths on the camera's parameters, so it is exact and testable without WebGL.
 */
import type { RoiInfo } from '../../../src-shared/contract.ts'
import type { Vec3 } from './geometry.ts'
import { worldOf } from './planes.ts'

type World = [number, number, number]

export interface CameraView {
  position: World
  focalPoint: World
  viewUp: World
  /** Vertical field of view, degrees (vtk.js's view angle). */
  viewAngle: number
}

export interface Ray {
  origin: World
  direction: World
}

const sub = (a: World, b: World): World => [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
const cross = (a: World, b: World): World => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
]
function normalise(a: World): World {
  const n = Math.hypot(a[0], a[1], a[2]) || 1
  return [a[0] / n, a[1] / n, a[2] / n]
}

/** The ray through pixel (x, y) of a width x height view (y down, as in the browser) of a perspective camera. */
export function cameraRay(camera: CameraView, x: number, y: number, width: number, height: number): Ray {
  const forward = normalise(sub(camera.focalPoint, camera.position))
  const right = normalise(cross(forward, camera.viewUp))
  const up = cross(right, forward)
  const tanHalf = Math.tan((camera.viewAngle * Math.PI) / 360)
  const nx = ((2 * (x + 0.5)) / width - 1) * (width / height) * tanHalf
  const ny = (1 - (2 * (y + 0.5)) / height) * tanHalf
  const direction = normalise([0, 1, 2].map((i) => forward[i]! + right[i]! * nx + up[i]! * ny) as World)
  return { origin: camera.position, direction }
}

/** Where the ray enters the box [lo, hi] (slab method), or null when it misses it or the box is behind. */
function entry(ray: Ray, lo: World, hi: World): number | null {
  let near = -Infinity
  let far = Infinity
  for (let i = 0; i < 3; i++) {
    const o = ray.origin[i]!
    const d = ray.direction[i]!
    if (Math.abs(d) < 1e-12) {
      if (o < lo[i]! || o > hi[i]!) return null
      continue
    }
    const t1 = (lo[i]! - o) / d
    const t2 = (hi[i]! - o) / d
    near = Math.max(near, Math.min(t1, t2))
    far = Math.min(far, Math.max(t1, t2))
  }
  if (near > far || far < 0) return null
  return Math.max(0, near)
}

/**
 * The ROI whose box the ray enters first: voxel boxes [start, end) along their voxel faces (centres at
 * integers, faces at .5), in display units through `aspect`, as the 3D view draws them.
 */
export function roiOnRay(ray: Ray, rois: readonly RoiInfo[], aspect: Vec3): number | null {
  let best: number | null = null
  let bestT = Infinity
  for (const roi of rois) {
    const a = worldOf([roi.box[0] - 0.5, roi.box[1] - 0.5, roi.box[2] - 0.5], aspect)
    const b = worldOf([roi.box[3] - 0.5, roi.box[4] - 0.5, roi.box[5] - 0.5], aspect)
    const lo: World = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.min(a[2], b[2])]
    const hi: World = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.max(a[2], b[2])]
    const t = entry(ray, lo, hi)
    if (t !== null && t < bestT) {
      bestT = t
      best = roi.id
    }
  }
  return best
}
