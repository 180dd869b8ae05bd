import { join } from 'node:path'
import { saveProposalSet } from '../../src-main/engine/proposals/rois.ts'
import { Project } from '../../src-main/engine/store/index.ts'

/**
 * A new project in `dir` with one proposal set of `n` ROIs (ids 1..n) and no files: enough for the
 * label store, which only needs the rows. The project is returned open.
 */
export function projectWithRoiSet(dir: string, n = 5): { project: Project; set: number } {
  const project = Project.init(dir)
  const rois = Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    z0: 0,
    y0: 0,
    x0: i * 4,
    z1: 2,
    y1: 2,
    x1: i * 4 + 2,
    voxels: 8,
    cz: 0.5,
    cy: 0.5,
    cx: i * 4 + 0.5,
    mean: 0.9,
    max: 1,
    polarity: null,
    alignment: null,
  }))
  const set = saveProposalSet(
    project,
    { task: 'mito', map: join(dir, 'none.zarr'), raw: null, params: {}, count: n },
    rois,
    (id) => `proposals/set-${id}`,
  )
  return { project, set: set.id }
}
