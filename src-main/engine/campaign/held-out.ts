import { join } from 'node:path'
import { componentSizes, labelComponents } from '../components/index.ts'
import type { Task } from '../model/index.ts'
import { predictVolume } from '../predict/index.ts'
import { roisOf, runProposals } from '../proposals/index.ts'
import type { StageOptions } from '../stage-options.ts'
import type { Project } from '../store/index.ts'
import { oracleLabels } from '../suggest/index.ts'
import { fullRegion, openVolume, toNumberArrayView } from '../volume/index.ts'

/** Ground-truth objects smaller than this are not counted for recall: the proposals drop them too. */
const MIN_OBJECT = 128

export interface HeldOutAccuracy {
  model: string
  /** The held-out part's proposal set in the project that evaluated it. */
  set: number
  proposals: number
  correct: number
  /** Share of the proposals the ground truth confirms (the paper's Table 1 figure); 0 with none. */
  accuracy: number
  /** Ground-truth objects of at least MIN_OBJECT voxels, and the share a correct proposal found. */
  objects: number
  recall: number
}

/** Objects (26-connected, at least MIN_OBJECT voxels) of a ground-truth volume: the recall's denominator. */
export async function countObjects(gtSpec: string): Promise<number> {
  const gt = await openVolume(gtSpec)
  try {
    const values = toNumberArrayView(await gt.readRegion(fullRegion(gt.shape)))
    const mask = new Uint8Array(values.length)
    for (let i = 0; i < values.length; i++) mask[i] = values[i]! > 0 ? 1 : 0
    const c = labelComponents(mask, gt.shape, 26)
    const sizes = componentSizes(c.labels, c.count)
    let n = 0
    for (let k = 1; k < sizes.length; k++) if (sizes[k]! >= MIN_OBJECT) n++
    return n
  } finally {
    gt.close()
  }
}

/**
 * The paper's Table 1 protocol: a model's ROI proposals on a held-out part it never learnt from, each
 * judged by the ground truth as annotation is simulated (more than half of the ground truth in its box
 * covered). Prediction and proposals are recorded in `project` like any others. The caller checks the
 * pair's shapes once (simulateCampaigns does, before any work); oracleLabels refuses a mismatch too.
 */
export async function heldOutAccuracy(
  o: StageOptions & {
    project: Project
    task: Task
    model: string
    raw: string
    gt: string
    /** Objects in `gt`, when already counted. */
    objects?: number
    out: string
  },
): Promise<HeldOutAccuracy> {
  const prediction = await predictVolume({
    project: o.project,
    raw: o.raw,
    modelDir: join(o.project.dir, 'models', o.model),
    out: o.out,
    signal: o.signal,
    onProgress: o.onProgress,
  })
  const proposals = await runProposals({
    project: o.project,
    task: o.task,
    map: prediction.out,
    raw: o.raw,
    signal: o.signal,
    onProgress: o.onProgress,
  })
  const rois = roisOf(o.project, proposals.set.id)
  const truth = await oracleLabels(rois, proposals.labels, o.gt)
  const correct = truth.reduce((a, b) => a + b, 0)
  const objects = o.objects ?? (await countObjects(o.gt))
  return {
    model: o.model,
    set: proposals.set.id,
    proposals: rois.length,
    correct,
    accuracy: rois.length > 0 ? correct / rois.length : 0,
    objects,
    recall: objects > 0 ? Math.min(1, correct / objects) : 0,
  }
}
