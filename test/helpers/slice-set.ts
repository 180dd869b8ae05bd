import { join } from 'node:path'
import { roisOf, runProposals } from '../../src-main/engine/proposals/index.ts'
import { Project } from '../../src-main/engine/store/index.ts'
import { saveRound } from '../../src-main/engine/suggest/index.ts'
import type { Shape3 } from '../../src-main/engine/volume/index.ts'
import { addMitoMap, addVolumeSpec, writeRawHdf5 } from './project-volumes.ts'

/** z, y, x of the image: each slice one grey level, so a thumbnail's grey says which slice it was cut from. */
export const SLICE_SET_SHAPE: Shape3 = [10, 64, 224]
/** The grey level of every voxel of slice z. */
export const sliceGrey = (z: number): number => 20 + 25 * z

/**
 * The ROIs, [z0, y0, x0, z1, y1, x1]: the first lies on the first slice alone and the second on the last
 * (their z-1 and z+1 fall outside the volume), the others three slices deep inside it.
 */
export const SLICE_SET_CUBES: Array<[number, number, number, number, number, number]> = Array.from(
  { length: 16 },
  (_, k) => {
    const y = k < 8 ? 8 : 38
    const x = 8 + 26 * (k % 8)
    if (k === 0) return [0, y, x, 1, y + 12, x + 12]
    if (k === 1) return [9, y, x, 10, y + 12, x + 12]
    const z0 = 3 + (k % 4)
    return [z0, y, x, z0 + 3, y + 10, x + 10]
  },
)

export interface SliceSetProject {
  dir: string
  raw: string
  setId: number
  roundId: number
  /** ROI ids in display order, each the one query of its own cluster. */
  rois: number[]
  clusterOf: Map<number, number>
}

/**
 * A mitochondria project whose raw volume has one grey level per slice (sliceGrey), a map of 0.9 in
 * the cubes, the proposal set made from it by `runProposals` (real labels.zarr, patches.h5), and one
 * round that asks every ROI, each a cluster of its own: many single-member clusters.
 */
export async function sliceSetProject(dir: string): Promise<SliceSetProject> {
  const shape = SLICE_SET_SHAPE
  const [nz, ny, nx] = shape
  const inCube = (z: number, y: number, x: number): boolean =>
    SLICE_SET_CUBES.some(
      ([z0, y0, x0, z1, y1, x1]) => z >= z0 && z < z1 && y >= y0 && y < y1 && x >= x0 && x < x1,
    )
  const pixels = new Uint8Array(nz * ny * nx)
  const p = new Float32Array(nz * ny * nx)
  for (let z = 0, i = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        pixels[i] = sliceGrey(z)
        p[i] = inCube(z, y, x) ? 0.9 : 0.05
      }
  const raw = await writeRawHdf5(join(dir, 'slices.h5'), pixels, shape, [5, 32, 32])

  const project = Project.init(join(dir, 'project'))
  try {
    await addVolumeSpec(project, raw, 'raw', 'slices')
    await addMitoMap(project, join(project.dir, 'predictions', 'cubes.zarr'), {
      source: raw,
      p,
      shape,
      chunks: [5, 32, 64],
      name: 'cubes/mito',
    })
    const { set } = await runProposals({ project, task: 'mito' })
    const ids = roisOf(project, set.id).map((r) => r.id)
    const round = saveRound(
      project,
      set.id,
      ids,
      {
        strategy: 'random',
        queries: ids.map((_, index) => ({ index, cluster: index, distance: 0 })),
        assignment: Int32Array.from(ids, (_, index) => index),
        clusters: ids.length,
        notes: ['one cluster per ROI, for the grid tests'],
      },
      { test: true },
    )
    return {
      dir: project.dir,
      raw,
      setId: set.id,
      roundId: round.id,
      rois: round.queries.map((q) => q.roi),
      clusterOf: new Map(round.queries.map((q) => [q.roi, q.cluster])),
    }
  } finally {
    project.close()
  }
}
