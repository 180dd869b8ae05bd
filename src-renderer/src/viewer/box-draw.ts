/**
 * Drawing the predict box on the slice views, without the DOM: the box as the pipeline takes it (z0, z1,
 * y0, y1, x0, x1: whole voxels, end exclusive, inside the volume), made by a drag, resized by an edge or
 * corner, and where it lies on a view's screen. Voxel centres sit on integers, so the box [a, b) spans
 * a - 0.5 .. b - 0.5 on its axis: its edges lie on the boundaries between voxels.
 */
import type { Vec3 } from './geometry.ts'
import { PLANES, voxelToScreen, type Axis, type Frame, type Plane } from './planes.ts'

/** z0, z1, y0, y1, x0, x1 (end exclusive), the order of the predict card's fields. */
export type PredictBox = [number, number, number, number, number, number]

/** Which edge of the box a drag moves along one screen axis. */
export type Side = 'start' | 'end'
/** The edges a drag on an edge (one side) or a corner (two) moves: along the view's h and v axes. */
export interface Grip {
  h: Side | null
  v: Side | null
}

/** Screen pixels from an edge within which a press grabs it. */
export const GRIP_REACH_PX = 6

export function startOf(box: PredictBox, axis: Axis): number {
  return box[2 * axis]!
}
export function endOf(box: PredictBox, axis: Axis): number {
  return box[2 * axis + 1]!
}

/** The box in whole voxels inside `shape`, at least one voxel a side, its ends in order. */
export function clampBox(box: PredictBox, shape: Vec3): PredictBox {
  const out = [0, 1, 0, 1, 0, 1] as PredictBox
  for (let a = 0; a < 3; a++) {
    const n = shape[a]!
    const [p, q] = [Math.round(box[2 * a]!), Math.round(box[2 * a + 1]!)]
    const start = Math.max(0, Math.min(n - 1, Math.min(p, q)))
    out[2 * a] = start
    out[2 * a + 1] = Math.max(start + 1, Math.min(n, Math.max(p, q)))
  }
  return out
}

export function wholeBox(shape: Vec3): PredictBox {
  return [0, shape[0], 0, shape[1], 0, shape[2]]
}

/** Voxels along z, y, x. */
export function boxSize(box: PredictBox): Vec3 {
  return [box[1] - box[0], box[3] - box[2], box[5] - box[4]]
}

export function boxVoxels(box: PredictBox): number {
  const [z, y, x] = boxSize(box)
  return z * y * x
}

/** The voxel at the box's middle (rounded down on an even side). */
export function boxCentre(box: PredictBox): Vec3 {
  return [0, 1, 2].map((a) => Math.floor((box[2 * a]! + box[2 * a + 1]! - 1) / 2)) as Vec3
}

/** The voxel boundary nearest a continuous coordinate: boundary k lies at k - 0.5. */
function boundaryAt(c: number): number {
  return Math.round(c + 0.5)
}

/**
 * The box a drag on `plane` from `from` to `to` (continuous voxels under the pointer) draws: along the
 * view's two axes the voxels under both points and all between; along the slice axis the extent of
 * `base`, or the whole volume when there is no box yet.
 */
export function boxFromDrag(
  plane: Plane,
  from: Vec3,
  to: Vec3,
  base: PredictBox | null,
  shape: Vec3,
): PredictBox {
  const { h, v } = PLANES[plane]
  const out = base ? ([...base] as PredictBox) : wholeBox(shape)
  for (const a of [h, v]) {
    const [p, q] = [Math.round(from[a]), Math.round(to[a])]
    out[2 * a] = Math.min(p, q)
    out[2 * a + 1] = Math.max(p, q) + 1
  }
  return clampBox(out, shape)
}

/** The box with the gripped edges moved to the voxel boundary nearest `at`; an edge stops one voxel short of its opposite. */
export function resizeBox(plane: Plane, box: PredictBox, grip: Grip, at: Vec3, shape: Vec3): PredictBox {
  const out = [...box] as PredictBox
  const axes = PLANES[plane]
  for (const [side, a] of [
    [grip.h, axes.h],
    [grip.v, axes.v],
  ] as const) {
    if (!side) continue
    const k = boundaryAt(at[a])
    if (side === 'start') out[2 * a] = Math.max(0, Math.min(k, box[2 * a + 1]! - 1))
    else out[2 * a + 1] = Math.min(shape[a]!, Math.max(k, box[2 * a]! + 1))
  }
  return clampBox(out, shape)
}

export interface ScreenRect {
  left: number
  top: number
  right: number
  bottom: number
}

/** The box's outline on `plane`'s screen: its edges on the voxel boundaries. */
export function boxRect(plane: Plane, frame: Frame, box: PredictBox): ScreenRect {
  const start: Vec3 = [box[0] - 0.5, box[2] - 0.5, box[4] - 0.5]
  const end: Vec3 = [box[1] - 0.5, box[3] - 0.5, box[5] - 0.5]
  const [left, top] = voxelToScreen(plane, frame, start)
  const [right, bottom] = voxelToScreen(plane, frame, end)
  return { left, top, right, bottom }
}

/** Of two edges within reach, the nearer; on a tie the end, so a box squeezed to one voxel still grows. */
function sideNear(p: number, start: number, end: number, reach: number): Side | null {
  const [ds, de] = [Math.abs(p - start), Math.abs(p - end)]
  if (Math.min(ds, de) > reach) return null
  return ds < de ? 'start' : 'end'
}

/** The edge or corner of the box under screen point (x, y) of `plane`, or null (inside, or away from it). */
export function gripAt(
  plane: Plane,
  frame: Frame,
  box: PredictBox,
  x: number,
  y: number,
  reach = GRIP_REACH_PX,
): Grip | null {
  const r = boxRect(plane, frame, box)
  const alongV = y >= r.top - reach && y <= r.bottom + reach
  const alongH = x >= r.left - reach && x <= r.right + reach
  const grip: Grip = {
    h: alongV ? sideNear(x, r.left, r.right, reach) : null,
    v: alongH ? sideNear(y, r.top, r.bottom, reach) : null,
  }
  return grip.h || grip.v ? grip : null
}

/** The pointer's shape over a grip: a corner resizes diagonally, an edge across itself. */
export function gripCursor(grip: Grip | null): string | null {
  if (!grip) return null
  if (grip.h && grip.v) return grip.h === grip.v ? 'nwse-resize' : 'nesw-resize'
  return grip.h ? 'ew-resize' : 'ns-resize'
}

/** The eight handles drawn on the outline (corners and the middles of the edges), with what each grips. */
export function handlesOf(rect: ScreenRect): Array<{ x: number; y: number; grip: Grip }> {
  const xs: Array<[number, Side | null]> = [
    [rect.left, 'start'],
    [(rect.left + rect.right) / 2, null],
    [rect.right, 'end'],
  ]
  const ys: Array<[number, Side | null]> = [
    [rect.top, 'start'],
    [(rect.top + rect.bottom) / 2, null],
    [rect.bottom, 'end'],
  ]
  const out: Array<{ x: number; y: number; grip: Grip }> = []
  for (const [y, v] of ys) for (const [x, h] of xs) if (h || v) out.push({ x, y, grip: { h, v } })
  return out
}

/** Whether `plane`'s slice through `focus` passes through the box. */
export function sliceCrosses(plane: Plane, box: PredictBox, focus: Vec3): boolean {
  const n = PLANES[plane].n
  return focus[n] >= startOf(box, n) && focus[n] < endOf(box, n)
}

/** "z 6–14 · y 384–640 · x 384–640". */
export function formatBox(box: PredictBox): string {
  return ['z', 'y', 'x'].map((name, a) => `${name} ${box[2 * a]}–${box[2 * a + 1]}`).join(' · ')
}
