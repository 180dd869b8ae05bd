import type { Verdict } from '../verdicts/index.ts'
import { TASK_CHANNELS, type Task } from '../model/index.ts'

/** What an annotator's verdict on an ROI says about one output channel on that ROI's mask. */
type Rule = { correct: 'foreground' | 'unknown'; incorrect: 'background' }

/**
 * A verdict judges the proposal, which is a component of the main channel (cleft or mitochondrion):
 * correct makes its mask foreground there, incorrect makes it background. For synapses, pre and post
 * are partner slabs beside the cleft, not the cleft itself: a correct cleft says nothing about which of
 * its voxels are pre or post (the ROI's stored polarity is the model's own output, so learning from it
 * would only teach the model what it already says), while a false synapse has no partners at all.
 */
const RULES: Record<Task, readonly Rule[]> = {
  synapse: [
    { correct: 'unknown', incorrect: 'background' },
    { correct: 'unknown', incorrect: 'background' },
    { correct: 'foreground', incorrect: 'background' },
  ],
  mito: [{ correct: 'foreground', incorrect: 'background' }],
}

export interface RoiTargets {
  /** One 0/1 mask per output channel. */
  targets: Uint8Array[]
  /** One 0/1 weight per output channel: 1 where the verdicts say what the voxel is, else 0. */
  weights: Uint8Array[]
  /** Voxels per verdict found in the instance ids given. */
  voxels: Record<Verdict, number>
}

/**
 * Training targets from an instance volume (the proposal set's labels, one id per ROI) and the
 * verdicts on its ROIs. Voxels of unjudged ROIs and outside every ROI get weight 0: nobody said what
 * they are, and treating the model's own negatives as background would teach it to keep missing what
 * it misses (recall first); the first labelled volume, mixed in, keeps background supervised.
 */
export function roiTargets(
  instances: ArrayLike<number>,
  verdicts: ReadonlyMap<number, Verdict>,
  task: Task,
): RoiTargets {
  const n = instances.length
  const rules = RULES[task]
  if (rules.length !== TASK_CHANNELS[task].length) throw new Error(`target rules for ${task} are incomplete`)
  const targets = rules.map(() => new Uint8Array(n))
  const weights = rules.map(() => new Uint8Array(n))
  const voxels: Record<Verdict, number> = { correct: 0, incorrect: 0 }
  for (let i = 0; i < n; i++) {
    const id = instances[i]!
    if (id === 0) continue
    const verdict = verdicts.get(id)
    if (verdict === undefined) continue
    voxels[verdict]++
    for (let c = 0; c < rules.length; c++) {
      const rule = rules[c]![verdict]
      if (rule === 'unknown') continue
      weights[c]![i] = 1
      if (rule === 'foreground') targets[c]![i] = 1
    }
  }
  return { targets, weights, voxels }
}
