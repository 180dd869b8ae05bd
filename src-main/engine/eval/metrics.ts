import type { Shape3 } from '../volume/index.ts'
import { squaredDistanceToMask, type Sampling } from './edt.ts'

/**
 * Segmentation metrics on whole-volume masks (Uint8Array, non-zero = foreground) and instance labels
 * (Uint32Array, 0 = background). Every function takes an optional `ignore` mask: voxels where it is
 * non-zero are left out entirely (CREMI's "invalid" ground-truth voxels).
 *
 * Empty cases never divide by zero: a ratio whose denominator is 0 is 1 (nothing to find and nothing
 * found is a perfect result), except where noted.
 */

export interface BinaryScores {
  /** Voxels foreground in both, predicted only, ground truth only, background in both. */
  tp: number
  fp: number
  fn: number
  tn: number
  /** 2 TP / (2 TP + FP + FN); 1 when both masks are empty. */
  dice: number
  /** TP / (TP + FP + FN); 1 when both masks are empty. */
  jaccardForeground: number
  /** TN / (TN + FP + FN); 1 when both masks are full. */
  jaccardBackground: number
  /** Lucchi et al.'s VOC score: mean of the foreground and background Jaccard indices. */
  voc: number
}

export function binaryScores(pred: Uint8Array, gt: Uint8Array, ignore?: Uint8Array | null): BinaryScores {
  sameLength(pred, gt, ignore)
  let tp = 0
  let fp = 0
  let fn = 0
  let counted = 0
  for (let i = 0; i < pred.length; i++) {
    if (ignore && ignore[i] !== 0) continue
    counted++
    const p = pred[i] !== 0
    const g = gt[i] !== 0
    if (p) {
      if (g) tp++
      else fp++
    } else if (g) fn++
  }
  const tn = counted - tp - fp - fn
  const ratio = (num: number, den: number): number => (den === 0 ? 1 : num / den)
  const jaccardForeground = ratio(tp, tp + fp + fn)
  const jaccardBackground = ratio(tn, tn + fp + fn)
  return {
    tp,
    fp,
    fn,
    tn,
    dice: ratio(2 * tp, 2 * tp + fp + fn),
    jaccardForeground,
    jaccardBackground,
    voc: (jaccardForeground + jaccardBackground) / 2,
  }
}

/** Dice coefficient (F1 over voxels) of two binary masks; 1 when both are empty. */
export function dice(pred: Uint8Array, gt: Uint8Array, ignore?: Uint8Array | null): number {
  return binaryScores(pred, gt, ignore).dice
}

/** The Lucchi protocol's VOC score: mean Jaccard index of the foreground and of the background. */
export function voc(pred: Uint8Array, gt: Uint8Array, ignore?: Uint8Array | null): number {
  return binaryScores(pred, gt, ignore).voc
}

export interface InstanceScores {
  /** TP / (TP + FP): 1 when nothing is predicted. */
  precision: number
  /** TP / (TP + FN): 1 when the ground truth has no instance. */
  recall: number
  /** 2 TP / (2 TP + FP + FN): 1 when neither has an instance, 0 when only one has. */
  f1: number
  /** Matched pairs, unmatched predicted instances, unmatched ground-truth instances. */
  tp: number
  fp: number
  fn: number
  predInstances: number
  gtInstances: number
  /** Mean IoU of the matched pairs; null without a match. */
  meanMatchedIoU: number | null
  iouThreshold: number
}

/**
 * Instance detection F1: a predicted and a ground-truth instance match when their IoU (voxels) is at least
 * `iouThreshold`, each instance matching at most one other. Pairs are taken greedily by decreasing IoU
 * (ties by order of first appearance). Instances of one volume are disjoint, so with a threshold of at
 * least 0.5 an instance with two candidates contains both exactly half-and-half, and they have no other
 * candidate: greedy is then the exact maximum matching. Labels are any non-zero ids, not necessarily
 * consecutive.
 */
export function instanceF1(
  predLabels: Uint32Array,
  gtLabels: Uint32Array,
  iouThreshold = 0.5,
  ignore?: Uint8Array | null,
): InstanceScores {
  sameLength(predLabels, gtLabels, ignore)
  if (!(iouThreshold > 0 && iouThreshold <= 1)) {
    throw new Error(`IoU threshold must be in (0, 1], got ${iouThreshold}`)
  }
  const pred = instanceSizes(predLabels, ignore)
  const gt = instanceSizes(gtLabels, ignore)
  const nGt = gt.sizes.length
  if (pred.sizes.length * nGt > Number.MAX_SAFE_INTEGER) throw new Error('too many instances to pair')
  // Overlap voxels per (pred, gt) pair, keyed p * nGt + g; runs of the same pair are counted locally.
  const overlaps = new Map<number, number>()
  let runKey = -1
  let runLength = 0
  let lastP = 0
  let lastG = 0
  let pi = -1
  let gi = -1
  for (let i = 0; i < predLabels.length; i++) {
    const a = predLabels[i]!
    const b = gtLabels[i]!
    if (a === 0 || b === 0 || (ignore && ignore[i] !== 0)) continue
    if (a !== lastP) {
      lastP = a
      pi = pred.ids.get(a)!
    }
    if (b !== lastG) {
      lastG = b
      gi = gt.ids.get(b)!
    }
    const key = pi * nGt + gi
    if (key === runKey) {
      runLength++
      continue
    }
    if (runLength > 0) overlaps.set(runKey, (overlaps.get(runKey) ?? 0) + runLength)
    runKey = key
    runLength = 1
  }
  if (runLength > 0) overlaps.set(runKey, (overlaps.get(runKey) ?? 0) + runLength)

  const candidates: Array<{ p: number; g: number; iou: number }> = []
  for (const [key, inter] of overlaps) {
    const p = Math.floor(key / nGt)
    const g = key - p * nGt
    const iou = inter / (pred.sizes[p]! + gt.sizes[g]! - inter)
    if (iou >= iouThreshold) candidates.push({ p, g, iou })
  }
  candidates.sort((a, b) => b.iou - a.iou || a.p - b.p || a.g - b.g)
  const predTaken = new Uint8Array(pred.sizes.length)
  const gtTaken = new Uint8Array(nGt)
  let tp = 0
  let iouSum = 0
  for (const c of candidates) {
    if (predTaken[c.p] || gtTaken[c.g]) continue
    predTaken[c.p] = 1
    gtTaken[c.g] = 1
    tp++
    iouSum += c.iou
  }
  const fp = pred.sizes.length - tp
  const fn = nGt - tp
  return {
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    f1: tp + fp + fn === 0 ? 1 : (2 * tp) / (2 * tp + fp + fn),
    tp,
    fp,
    fn,
    predInstances: pred.sizes.length,
    gtInstances: nGt,
    meanMatchedIoU: tp === 0 ? null : iouSum / tp,
    iouThreshold,
  }
}

/** Each label's index 0..K-1 in order of appearance, and its size (ignored voxels left out). */
function instanceSizes(
  labels: Uint32Array,
  ignore?: Uint8Array | null,
): { ids: Map<number, number>; sizes: number[] } {
  const ids = new Map<number, number>()
  const sizes: number[] = []
  let lastId = 0
  let last = -1
  for (let i = 0; i < labels.length; i++) {
    const id = labels[i]!
    if (id === 0 || (ignore && ignore[i] !== 0)) continue
    if (id !== lastId) {
      lastId = id
      let k = ids.get(id)
      if (k === undefined) {
        k = sizes.length
        ids.set(id, k)
        sizes.push(0)
      }
      last = k
    }
    sizes[last]!++
  }
  return { ids, sizes }
}

export interface CremiCleftScores {
  /** Average distance to ground truth (nm): mean over predicted voxels of the distance to the nearest
   * ground-truth voxel; measures false positives. 0 when nothing is predicted; Infinity when something
   * is predicted but the ground truth is empty. */
  adgt: number
  /** Average false distance (nm): mean over ground-truth voxels of the distance to the nearest predicted
   * voxel; measures false negatives. 0 when the ground truth is empty; Infinity when it is not but
   * nothing is predicted. */
  adf: number
  /** (ADGT + ADF) / 2, the CREMI synaptic-cleft score (lower is better). */
  cremiScore: number
  /** Predicted voxels farther than `farNm` from any ground-truth voxel (CREMI's false-positive count). */
  falsePositives: number
  /** Ground-truth voxels farther than `farNm` from any predicted voxel (CREMI's false-negative count). */
  falseNegatives: number
  predVoxels: number
  gtVoxels: number
  farNm: number
}

/**
 * CREMI synaptic-cleft distances, as the CREMI evaluation computes them (cremi_python's `Clefts`) with
 * exact anisotropic Euclidean distance transforms. Memory: one Float32Array of distances (4 bytes per
 * voxel), reused for both directions, plus a copy of the prediction when `ignore` is given.
 */
export function cremiCleft(
  pred: Uint8Array,
  gt: Uint8Array,
  shape: Shape3,
  samplingNm: Sampling,
  options: { ignore?: Uint8Array | null; farNm?: number } = {},
): CremiCleftScores {
  sameLength(pred, gt, options.ignore)
  const farNm = options.farNm ?? 200
  const ignore = options.ignore
  // CREMI leaves predictions inside the invalid region out; the ground truth is never foreground there.
  let predMask = pred
  if (ignore) {
    predMask = new Uint8Array(pred.length)
    for (let i = 0; i < pred.length; i++) predMask[i] = pred[i] !== 0 && ignore[i] === 0 ? 1 : 0
  }
  const predVoxels = countNonZero(predMask)
  const gtVoxels = countNonZero(gt)
  const far2 = farNm * farNm
  const directed = (
    from: Uint8Array,
    fromVoxels: number,
    to: Uint8Array,
    toVoxels: number,
    buffer: Float32Array | null,
  ): { mean: number; far: number } => {
    if (fromVoxels === 0) return { mean: 0, far: 0 }
    if (toVoxels === 0) return { mean: Infinity, far: fromVoxels }
    const d2 = squaredDistanceToMask(to, shape, samplingNm, buffer ?? new Float32Array(to.length))
    let sum = 0
    let far = 0
    for (let i = 0; i < from.length; i++) {
      if (from[i] === 0) continue
      const v = d2[i]!
      sum += Math.sqrt(v)
      if (v > far2) far++
    }
    return { mean: sum / fromVoxels, far }
  }
  const needsBuffer = predVoxels > 0 && gtVoxels > 0
  const buffer = needsBuffer ? new Float32Array(pred.length) : null
  const toGt = directed(predMask, predVoxels, gt, gtVoxels, buffer)
  const toPred = directed(gt, gtVoxels, predMask, predVoxels, buffer)
  return {
    adgt: toGt.mean,
    adf: toPred.mean,
    cremiScore: (toGt.mean + toPred.mean) / 2,
    falsePositives: toGt.far,
    falseNegatives: toPred.far,
    predVoxels,
    gtVoxels,
    farNm,
  }
}

function countNonZero(a: Uint8Array): number {
  let n = 0
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) n++
  return n
}

function sameLength(a: ArrayLike<number>, b: ArrayLike<number>, ignore?: Uint8Array | null): void {
  if (a.length !== b.length) throw new Error(`prediction of ${a.length} voxels, ground truth of ${b.length}`)
  if (ignore && ignore.length !== a.length)
    throw new Error(`ignore mask of ${ignore.length} voxels for ${a.length}`)
}
