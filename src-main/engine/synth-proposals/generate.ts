import { InputError } from '../errors.ts'
import { createRng, hashSeed } from '../random.ts'
import { designRoi, renderRoi, WRONG_KINDS, type RoiKind, type WrongGroup } from '../synth/index.ts'

export interface SynthProposalOptions {
  rois: number
  /** Initial accuracy: the fraction of correct ROIs (rounded to a whole count). */
  p: number
  /** Which kinds of wrong ROI the set holds, shared out evenly. */
  wrong: readonly WrongGroup[]
  seed: number
  patchSize: number
}

export const WRONG_GROUPS = Object.keys(WRONG_KINDS) as WrongGroup[]
export const MIN_ROIS = 10
export const MAX_ROIS = 1_000_000

/** The ROIs drawn in 2D: row i is ROI id i + 1. */
export interface SynthProposals {
  size: number
  kinds: RoiKind[]
  /** 1: correct, 0: wrong. */
  correct: Uint8Array
  /** [n, size, size] aligned patches (long axis along x) and the unrotated thumbnails. */
  image: Uint8Array
  mask: Int8Array
  thumbImage: Uint8Array
  thumbMask: Int8Array
  /** The alignment's angle (align.ts convention: the patch shows the thumbnail turned by -angle). */
  angleDeg: Float32Array
  /** A made-up mean and max probability per ROI, independent of the truth. */
  meanP: Float32Array
  maxP: Float32Array
}

export function checkSynthOptions(o: SynthProposalOptions): void {
  if (!Number.isInteger(o.rois) || o.rois < MIN_ROIS || o.rois > MAX_ROIS)
    throw new InputError(`--rois: expected an integer from ${MIN_ROIS} to ${MAX_ROIS}, got ${o.rois}`)
  if (!(o.p > 0 && o.p < 1)) throw new InputError(`--p: expected an accuracy in (0, 1), got ${o.p}`)
  if (o.wrong.length === 0) throw new InputError(`--wrong: name at least one of ${WRONG_GROUPS.join(', ')}`)
  for (const w of o.wrong)
    if (!WRONG_GROUPS.includes(w))
      throw new InputError(`--wrong: unknown kind '${String(w)}', expected ${WRONG_GROUPS.join(', ')}`)
  if (!Number.isInteger(o.patchSize) || o.patchSize < 32 || o.patchSize > 256)
    throw new InputError(`--patch: expected an integer from 32 to 256, got ${o.patchSize}`)
}

/** Kind per ROI: round(p n) correct, the rest shared evenly among the wrong kinds, in seeded order. */
function assignKinds(o: SynthProposalOptions): RoiKind[] {
  const n = o.rois
  const correct = Math.round(o.p * n)
  const wrongKinds = [...new Set(o.wrong)].flatMap((g) => [...WRONG_KINDS[g]])
  const kinds: RoiKind[] = []
  for (let i = 0; i < n; i++)
    kinds.push(i < correct ? 'correct' : wrongKinds[(i - correct) % wrongKinds.length]!)
  const rng = createRng(hashSeed(o.seed, 1))
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i + 1)
    ;[kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!]
  }
  return kinds
}

/** A paper-scale proposal set drawn ROI by ROI: deterministic for a seed, each ROI from its own stream. */
export function generateProposals(
  o: SynthProposalOptions,
  onProgress?: (done: number, total: number) => void,
): SynthProposals {
  const out = newProposals(o)
  drawRois(out, o, 0, o.rois)
  onProgress?.(o.rois, o.rois)
  return out
}

/** The set's arrays, its ROIs' kinds assigned and nothing drawn yet (drawRois draws them, in any order of runs). */
export function newProposals(o: SynthProposalOptions): SynthProposals {
  checkSynthOptions(o)
  const n = o.rois
  const px = o.patchSize * o.patchSize
  const kinds = assignKinds(o)
  return {
    size: o.patchSize,
    kinds,
    correct: Uint8Array.from(kinds, (k) => (k === 'correct' ? 1 : 0)),
    image: new Uint8Array(n * px),
    mask: new Int8Array(n * px),
    thumbImage: new Uint8Array(n * px),
    thumbMask: new Int8Array(n * px),
    angleDeg: new Float32Array(n),
    meanP: new Float32Array(n),
    maxP: new Float32Array(n),
  }
}

/** Draws ROIs `from` to `to` (exclusive) of the set: each from its own stream, so runs may be split anywhere. */
export function drawRois(out: SynthProposals, o: SynthProposalOptions, from: number, to: number): void {
  const s = out.size
  const px = s * s
  for (let i = from; i < to; i++) {
    const rng = createRng(hashSeed(o.seed, 2 + i))
    const d = designRoi(out.kinds[i]!, rng, s)
    const at = i * px
    renderRoi(d, s, 0, rng, out.image.subarray(at, at + px), out.mask.subarray(at, at + px))
    renderRoi(
      d,
      s,
      d.angleDeg,
      rng,
      out.thumbImage.subarray(at, at + px),
      out.thumbMask.subarray(at, at + px),
    )
    // A detection is never empty: a mask that rounded away keeps its centre pixel.
    const centre = at + (s >> 1) * s + (s >> 1)
    if (!out.mask.subarray(at, at + px).includes(1)) out.mask[centre] = 1
    if (!out.thumbMask.subarray(at, at + px).includes(1)) out.thumbMask[centre] = 1
    out.angleDeg[i] = -d.angleDeg
    out.meanP[i] = rng.range(0.55, 0.95)
    out.maxP[i] = Math.min(1, out.meanP[i]! + rng.range(0, 0.05))
  }
}
