import { join } from 'node:path'
import { InputError } from '../engine/errors.ts'
import {
  currentMask,
  maskState,
  saveMask,
  stepMask,
  type MaskBox,
  type MaskState,
} from '../engine/labels/index.ts'
import { proposalSet, roisOf } from '../engine/proposals/index.ts'
import type { Project } from '../engine/store/index.ts'
import { openVolume, toNumberArrayView } from '../engine/volume/index.ts'
import type { Handlers } from './types.ts'

interface Found {
  state: MaskState
  box: MaskBox
  /** The newest corrected version, or null: the ROI's voxels in this label volume are its mask. */
  mask: Uint8Array | null
  labels: string
}

/** What the reply needs from the project, read at once (no handle is kept across an await). */
function find(project: Project, setId: number, roi: number, state: MaskState): Found {
  const set = proposalSet(project, setId)
  if (!set) throw new InputError(`proposal set ${setId}: no such set in ${project.dir}`)
  const found = roisOf(project, setId).find((r) => r.id === roi)
  if (!found) throw new InputError(`ROI ${roi}: not in proposal set ${setId}`)
  return {
    state,
    box: [found.z0, found.y0, found.x0, found.z1, found.y1, found.x1],
    mask: currentMask(project, setId, roi)?.mask ?? null,
    labels: `${join(project.dir, set.dir, 'labels.zarr')}#labels`,
  }
}

/** The ROI's box and its mask as it stands: the newest corrected version, else its voxels in the set's labels. */
async function maskInfo(roi: number, { state, box, mask: corrected, labels }: Found) {
  let mask = corrected
  if (!mask) {
    const volume = await openVolume(labels)
    try {
      const ids = toNumberArrayView(
        await volume.readRegion({ z0: box[0], y0: box[1], x0: box[2], z1: box[3], y1: box[4], x1: box[5] }),
      )
      mask = Uint8Array.from(ids, (v) => (v === roi ? 1 : 0))
    } finally {
      volume.close()
    }
  }
  return {
    roi,
    box,
    mask: Buffer.from(mask.buffer, mask.byteOffset, mask.byteLength).toString('base64'),
    version: state.version,
    versions: state.versions,
    canUndo: state.canUndo,
    canRedo: state.canRedo,
  }
}

/** Corrections of an ROI's mask in the viewer: read it, save a new version, undo, redo. */
export const maskHandlers: Pick<Handlers, 'roi.mask' | 'roi.mask.edit'> = {
  'roi.mask': async ({ dir, set, roi }, ctx) =>
    maskInfo(
      roi,
      ctx.projects.use(dir, (project) => find(project, set, roi, maskState(project, set, roi))),
    ),
  'roi.mask.edit': async ({ dir, set, roi, annotator, action, mask }, ctx) => {
    const found = ctx.projects.use(dir, (project) => {
      const state =
        action === 'save'
          ? saveMask(project, set, roi, new Uint8Array(Buffer.from(mask!, 'base64')), annotator)
          : stepMask(project, set, roi, action, annotator)
      return find(project, set, roi, state)
    })
    return maskInfo(roi, found)
  },
}
