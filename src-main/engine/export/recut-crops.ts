/**
 * An export's crops show each ROI as it now is: a ROI whose mask an annotator corrected in the viewer
 * has its image and mask patches and thumbnail cut again from the corrected mask, by the same recipe
 * `proposals` used (patches.h5 itself is left as proposed).
 */
import { applyMasks, type RoiMask } from '../labels/index.ts'
import type { AlignVariant } from '../align/index.ts'
import {
  cropRegion,
  findProbabilityMap,
  putPatch,
  roiPatch,
  roisOf,
  type PatchRecipe,
  type PatchSet,
  type PatchSources,
  type ProposalSet,
} from '../proposals/index.ts'
import type { Project } from '../store/index.ts'
import { openVolume, type Region, type Volume } from '../volume/index.ts'

/** The recipe the set was made with, from its recorded parameters. */
function recipeOf(set: ProposalSet, size: number): PatchRecipe {
  const p = set.params
  return {
    size,
    scale: typeof p.scale === 'number' ? p.scale : 1,
    variant: p.variant === 'code' ? 'code' : ('paper' as AlignVariant),
    threshold: typeof p.threshold === 'number' ? p.threshold : 0.5,
  }
}

/**
 * Cuts again, in place, the rows of `patches` whose ROI has a corrected mask; returns those ROIs' ids.
 * None when the set's raw volume (or, for synapses, its map's pre/post channels) is no longer there:
 * the crops stay as proposed, and the export says which were cut again.
 */
export async function recutCorrected(
  project: Project,
  set: ProposalSet,
  patches: PatchSet,
  masks: readonly RoiMask[],
  labelsSpec: string,
): Promise<number[]> {
  if (masks.length === 0 || !set.raw) return []
  const opened: Volume[] = []
  const open = async (spec: string): Promise<Volume> => {
    const v = await openVolume(spec)
    opened.push(v)
    return v
  }
  try {
    let sources: PatchSources
    try {
      const raw = await open(set.raw)
      if (set.task === 'synapse') {
        const map = findProbabilityMap(project, 'synapse', set.map)
        sources = { raw, pre: await open(map.channels.pre!), post: await open(map.channels.post!) }
      } else sources = { raw, pre: null, post: null }
    } catch {
      return []
    }
    const labels = await open(labelsSpec)
    const recipe = recipeOf(set, patches.size)
    const boxes = new Map(roisOf(project, set.id).map((r) => [r.id, r]))
    const rows = new Map(Array.from(patches.roi, (roi, row) => [roi, row]))
    const recut: number[] = []
    for (const m of masks) {
      const row = rows.get(m.roi)
      const roi = boxes.get(m.roi)
      if (row === undefined || !roi) continue
      // The ROI's box and its mask's, together: an edit never reaches past the box, but a box may grow.
      const box: Region = {
        z0: Math.min(roi.z0, m.box[0]),
        y0: Math.min(roi.y0, m.box[1]),
        x0: Math.min(roi.x0, m.box[2]),
        z1: Math.max(roi.z1, m.box[3]),
        y1: Math.max(roi.y1, m.box[4]),
        x1: Math.max(roi.x1, m.box[5]),
      }
      const region = cropRegion(box, sources.raw.shape, recipe)
      const ids = Uint32Array.from((await labels.readRegion(region)) as Uint32Array)
      applyMasks(ids, region, masks)
      const mask = new Uint8Array(ids.length)
      let any = false
      for (let k = 0; k < ids.length; k++)
        if (ids[k] === m.roi) {
          mask[k] = 1
          any = true
        }
      if (any) putPatch(patches, row, m.roi, await roiPatch(sources, region, mask, recipe), region.z0)
      else {
        // Erased whole: its image stays, with no mask left on it.
        const s2 = patches.size * patches.size
        patches.mask.fill(0, row * s2, (row + 1) * s2)
        patches.thumbMask.fill(0, row * s2, (row + 1) * s2)
      }
      recut.push(m.roi)
    }
    return recut
  } finally {
    for (const v of opened) v.close()
  }
}
