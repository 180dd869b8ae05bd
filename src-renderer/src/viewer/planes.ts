/**
 * The three orthogonal slice views and how their screens map to the volume. Every view shares one
 * centre (the point shown in the middle) and one zoom, so panning or zooming one keeps the others in
 * register. Axes are indices into z, y, x; display ("world") units are voxels times the aspect, so
 * anisotropic volumes show their true proportions.
 */
import type { Vec3 } from './geometry.ts'

export type Plane = 'xy' | 'xz' | 'yz'
export type Axis = 0 | 1 | 2

export interface PlaneAxes {
  /** Screen right. */
  h: Axis
  /** Screen down. */
  v: Axis
  /** Through the screen: the slice axis. */
  n: Axis
}

/** Laid out as in a classic orthogonal viewer: xz below xy shares x, yz beside xy shares y. */
export const PLANES: Record<Plane, PlaneAxes> = {
  xy: { h: 2, v: 1, n: 0 },
  xz: { h: 2, v: 0, n: 1 },
  yz: { h: 0, v: 1, n: 2 },
}

export const AXIS_NAMES = ['z', 'y', 'x'] as const

export interface Frame {
  /** Voxel coordinates shown at the middle of the view (continuous). */
  centre: Vec3
  /** Screen pixels per display unit. */
  scale: number
  /** Display units per voxel, z, y, x. */
  aspect: Vec3
  width: number
  height: number
}

export function voxelToScreen(plane: Plane, frame: Frame, p: Vec3): [number, number] {
  const { h, v } = PLANES[plane]
  return [
    frame.width / 2 + (p[h] - frame.centre[h]) * frame.aspect[h] * frame.scale,
    frame.height / 2 + (p[v] - frame.centre[v]) * frame.aspect[v] * frame.scale,
  ]
}

/** The (continuous) voxel under a screen point, on the slice through `focus`. */
export function screenToVoxel(plane: Plane, frame: Frame, x: number, y: number, focus: Vec3): Vec3 {
  const { h, v, n } = PLANES[plane]
  const p: Vec3 = [0, 0, 0]
  p[h] = frame.centre[h] + (x - frame.width / 2) / (frame.aspect[h] * frame.scale)
  p[v] = frame.centre[v] + (y - frame.height / 2) / (frame.aspect[v] * frame.scale)
  p[n] = focus[n]
  return p
}

/** The zoom at which `extent` voxels (z, y, x) fill every view with a small border. */
export function fitScale(
  extent: Vec3,
  aspect: Vec3,
  sizes: Record<Plane, { width: number; height: number }>,
): number {
  let scale = Infinity
  for (const plane of Object.keys(PLANES) as Plane[]) {
    const { h, v } = PLANES[plane]
    const { width, height } = sizes[plane]
    if (width <= 0 || height <= 0) continue
    scale = Math.min(
      scale,
      (0.94 * width) / (extent[h] * aspect[h]),
      (0.94 * height) / (extent[v] * aspect[v]),
    )
  }
  return Number.isFinite(scale) ? scale : 1
}

/** x, y, z display coordinates of a voxel (vtk.js works in x, y, z). */
export function worldOf(p: Vec3, aspect: Vec3): [number, number, number] {
  return [p[2] * aspect[2], p[1] * aspect[1], p[0] * aspect[0]]
}

function unit(axis: Axis, sign: number): [number, number, number] {
  const u: [number, number, number] = [0, 0, 0]
  u[2 - axis] = sign
  return u
}

/** Adding 0 turns -0 into 0, so the vectors compare and print cleanly. */
function cross(a: number[], b: number[]): [number, number, number] {
  return [
    a[1]! * b[2]! - a[2]! * b[1]! + 0,
    a[2]! * b[0]! - a[0]! * b[2]! + 0,
    a[0]! * b[1]! - a[1]! * b[0]! + 0,
  ]
}

export interface ParallelCamera {
  focalPoint: [number, number, number]
  position: [number, number, number]
  viewUp: [number, number, number]
  /** Half the view's height in display units. */
  parallelScale: number
  /** Unit vector from the camera into the scene. */
  direction: [number, number, number]
}

/** The unit vector from a plane's camera into the scene (world axes x, y, z). */
export function viewDirection(plane: Plane): [number, number, number] {
  const { h, v } = PLANES[plane]
  // VTK's screen right is direction × up, so the direction is up × right.
  return cross(unit(v, -1), unit(h, 1))
}

/** The parallel-projection camera that makes a vtk.js view show exactly `frame` on the slice through `focus`. */
export function cameraFor(plane: Plane, frame: Frame, focus: Vec3, distance = 1000): ParallelCamera {
  const { v, n } = PLANES[plane]
  const target: Vec3 = [...frame.centre]
  target[n] = focus[n]
  const focalPoint = worldOf(target, frame.aspect)
  const viewUp = unit(v, -1)
  const direction = viewDirection(plane)
  const position = focalPoint.map((c, i) => c - direction[i]! * distance) as [number, number, number]
  return { focalPoint, position, viewUp, parallelScale: frame.height / (2 * frame.scale), direction }
}

/** The centre after dragging the picture by (dx, dy) screen pixels: the content follows the pointer. */
export function panCentre(plane: Plane, frame: Frame, dx: number, dy: number): Vec3 {
  const { h, v } = PLANES[plane]
  const centre: Vec3 = [...frame.centre]
  centre[h] -= dx / (frame.aspect[h] * frame.scale)
  centre[v] -= dy / (frame.aspect[v] * frame.scale)
  return centre
}

/** Zoom by `factor` keeping the voxel under the pointer (`anchor`) where it is on screen. */
export function zoomAbout(
  plane: Plane,
  frame: Frame,
  anchor: Vec3,
  factor: number,
): { centre: Vec3; scale: number } {
  const { h, v } = PLANES[plane]
  const centre: Vec3 = [...frame.centre]
  for (const a of [h, v]) centre[a] = anchor[a] - (anchor[a] - frame.centre[a]) / factor
  return { centre, scale: frame.scale * factor }
}
