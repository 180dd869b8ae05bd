import type { Shape3 } from '../volume/index.ts'

export type Voxel = [number, number, number]

/** One level of a pyramid: its shape, its factor against the level before and against level 0. */
export interface Level {
  shape: Shape3
  step: Shape3
  factor: Shape3
}

/** Levels stop once a slice fits one tile of this many pixels a side. */
export const TILE = 256

/**
 * Halves y and x at every level; halves z too once the voxel would otherwise be coarser in y/x than
 * in z (so 40 x 4 x 4 nm EM keeps its z until the fifth level, then stays near isotropic).
 */
export function planLevels(shape: Shape3, voxel: Voxel, tile = TILE): Level[] {
  const levels: Level[] = [{ shape, step: [1, 1, 1], factor: [1, 1, 1] }]
  for (;;) {
    const last = levels.at(-1)!
    if (Math.max(last.shape[1], last.shape[2]) <= tile) return levels
    const size = voxel.map((v, d) => v * last.factor[d]!) as Voxel
    const z = last.shape[0] > 1 && size[0] < 2 * size[1] ? 2 : 1
    const step: Shape3 = [z, 2, 2]
    levels.push({
      shape: last.shape.map((n, d) => Math.ceil(n / step[d]!)) as Shape3,
      step,
      factor: last.factor.map((f, d) => f * step[d]!) as Shape3,
    })
  }
}

/** The chunk shape of every level: whole tiles in y/x, a few slices in z. */
export function levelChunks(shape: Shape3, tile = TILE): Shape3 {
  return [Math.min(shape[0], 16), Math.min(shape[1], tile), Math.min(shape[2], tile)]
}

/**
 * OME-NGFF 0.4 `multiscales`: each level's voxel size, and the half-voxel shift of a mean over
 * `factor` voxels (its centre lies (factor - 1) / 2 voxels of level 0 in).
 */
export function multiscales(
  name: string,
  levels: Level[],
  voxel: Voxel,
  kind: 'image' | 'labels',
): unknown[] {
  return [
    {
      version: '0.4',
      name,
      axes: ['z', 'y', 'x'].map((axis) => ({ name: axis, type: 'space', unit: 'nanometer' })),
      datasets: levels.map((l, i) => ({
        path: String(i),
        coordinateTransformations: [
          { type: 'scale', scale: voxel.map((v, d) => v * l.factor[d]!) },
          { type: 'translation', translation: voxel.map((v, d) => ((l.factor[d]! - 1) / 2) * v) },
        ],
      })),
      type: kind === 'image' ? 'mean' : 'mode',
      metadata: { method: kind === 'image' ? 'mean of each block' : 'mode of each block' },
    },
  ]
}
