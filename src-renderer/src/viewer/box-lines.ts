/**
 * Line segments for the 3D view, in display (x, y, z) units: box wireframes (ROIs, the crop) and the
 * three slice planes through the focus, each as a rectangle across the crop.
 */
import type { Vec3 } from './geometry.ts'
import { worldOf } from './planes.ts'

export interface Lines {
  /** x, y, z per point. */
  points: Float32Array
  /** vtk.js cell array: 2, a, b per segment. */
  cells: Uint32Array
}

/** Voxel boxes [start, end) as wireframes along their voxel faces (centres at integers, faces at .5). */
export function boxWireframes(boxes: ReadonlyArray<{ start: Vec3; end: Vec3 }>, aspect: Vec3): Lines {
  const points = new Float32Array(boxes.length * 8 * 3)
  const cells = new Uint32Array(boxes.length * 12 * 3)
  const EDGES = [0, 1, 1, 3, 3, 2, 2, 0, 4, 5, 5, 7, 7, 6, 6, 4, 0, 4, 1, 5, 2, 6, 3, 7]
  boxes.forEach(({ start, end }, b) => {
    for (let corner = 0; corner < 8; corner++) {
      const p: Vec3 = [
        (corner & 4 ? end[0] : start[0]) - 0.5,
        (corner & 2 ? end[1] : start[1]) - 0.5,
        (corner & 1 ? end[2] : start[2]) - 0.5,
      ]
      points.set(worldOf(p, aspect), (b * 8 + corner) * 3)
    }
    for (let e = 0; e < 12; e++)
      cells.set([2, b * 8 + EDGES[2 * e]!, b * 8 + EDGES[2 * e + 1]!], (b * 12 + e) * 3)
  })
  return { points, cells }
}

/** The rectangle where the plane `axis = value` (voxel coordinate) cuts a box [start, end). */
export function planeRectangle(
  start: Vec3,
  end: Vec3,
  axis: 0 | 1 | 2,
  value: number,
): { start: Vec3; end: Vec3 } {
  const s: Vec3 = [...start]
  const e: Vec3 = [...end]
  // A flat box: both faces on the voxel centre, so its wireframe collapses to one rectangle.
  s[axis] = value + 0.5
  e[axis] = value + 0.5
  return { start: s, end: e }
}
