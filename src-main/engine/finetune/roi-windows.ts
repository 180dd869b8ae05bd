import { InputError } from '../errors.ts'
import { maskedVolume, type RoiMask } from '../labels/index.ts'
import type { Normalisation, Task } from '../model/index.ts'
import type { Roi } from '../proposals/index.ts'
import type { Rng } from '../random.ts'
import { copyCrop, drawAugmentation } from '../train/index.ts'
import {
  isIntegerDType,
  openVolume,
  toNumberArrayView,
  type Region,
  type Shape3,
  type Volume,
} from '../volume/index.ts'
import type { Verdict } from '../verdicts/index.ts'
import { roiTargets } from './targets.ts'

export interface RoiWindow {
  /** Normalised raw, [D, H, W]. */
  input: Float32Array
  /** [D, H, W, C] interleaved, as the training batches hold them. */
  target: Float32Array
  weight: Float32Array
  roi: number
  origin: Shape3
}

/**
 * Origin along one axis of a window that holds the box [lo, hi) when it fits, else lies inside it,
 * drawn uniformly among those positions, inside the volume. So every window read lies within the ROI's
 * box plus one window of margin: only the surroundings of judged ROIs are ever read.
 */
function axisOrigin(
  lo: number,
  hi: number,
  win: number,
  size: number,
  draw: (a: number, b: number) => number,
) {
  const [a, b] = hi - lo <= win ? [hi - win, lo] : [lo, hi - win]
  const clamp = (v: number): number => Math.max(0, Math.min(size - win, v))
  return draw(clamp(Math.min(a, b)), clamp(Math.max(a, b)))
}

/**
 * Training windows around the judged ROIs of a proposal set: the raw volume the set was proposed on
 * and the set's instance labels, read one window at a time (memory stays one window, however many ROIs
 * were labelled), turned into targets and weights by the verdicts.
 */
export class RoiWindows {
  private constructor(
    private readonly raw: Volume,
    private readonly labels: Volume,
    private readonly rois: Roi[],
    private readonly verdicts: ReadonlyMap<number, Verdict>,
    private readonly task: Task,
    readonly window: Shape3,
    private readonly normalisation: Normalisation,
  ) {
    this.byVerdict = {
      correct: rois.filter((r) => verdicts.get(r.id) === 'correct'),
      incorrect: rois.filter((r) => verdicts.get(r.id) === 'incorrect'),
    }
  }

  private readonly byVerdict: Record<Verdict, Roi[]>

  static async open(o: {
    raw: string
    labels: string
    /** Corrected ROI masks laid over the instance labels as they are read. */
    masks?: readonly RoiMask[]
    rois: Roi[]
    verdicts: ReadonlyMap<number, Verdict>
    task: Task
    window: Shape3
    normalisation: Normalisation
  }): Promise<RoiWindows> {
    const raw = await openVolume(o.raw)
    let labels: Volume
    try {
      labels = maskedVolume(await openVolume(o.labels), o.masks ?? [])
    } catch (e) {
      raw.close()
      throw e
    }
    const fail = (message: string): never => {
      raw.close()
      labels.close()
      throw new InputError(message)
    }
    if (raw.shape.join(',') !== labels.shape.join(','))
      fail(`${o.labels}: shape [${labels.shape}] differs from the set's raw volume ${o.raw} [${raw.shape}]`)
    if (!isIntegerDType(labels.dtype))
      fail(`${o.labels}: instance labels must be integers, found ${labels.dtype}`)
    if (raw.shape.some((s, a) => s < o.window[a]!))
      fail(`${o.raw}: shape [${raw.shape}] is smaller than the model window [${o.window}]`)
    const judged = o.rois.filter((r) => o.verdicts.has(r.id))
    if (!judged.length) fail('no judged ROI of the set to learn from')
    return new RoiWindows(raw, labels, judged, o.verdicts, o.task, o.window, o.normalisation)
  }

  get count(): number {
    return this.rois.length
  }

  get judged(): readonly Roi[] {
    return this.rois
  }

  /**
   * The window a random judged ROI lies in, at a random position and with random flips and turns. The
   * verdict is drawn first, half and half when both exist: the rarer verdict (mostly 'incorrect', the
   * false positives the model must unlearn) holds most of what the model does not know yet.
   */
  async sample(rng: Rng): Promise<RoiWindow> {
    const pool =
      this.byVerdict.correct.length && this.byVerdict.incorrect.length
        ? this.byVerdict[rng.next() < 0.5 ? 'correct' : 'incorrect']
        : this.rois
    const roi = pool[rng.int(0, pool.length)]!
    const origin = this.originFor(roi, (a, b) => rng.int(a, b + 1))
    const plain = await this.read(roi.id, origin)
    const [d, h, w] = this.window
    const channels = plain.target.length / plain.input.length
    // Weights travel as extra target channels, so one copy applies the same flips to both.
    const stacked = Array.from({ length: 2 * channels }, (_, c) => {
      const a = new Uint8Array(plain.input.length)
      const src = c < channels ? plain.target : plain.weight
      for (let i = 0; i < a.length; i++) a[i] = src[i * channels + (c % channels)]!
      return a
    })
    const input = new Float32Array(plain.input.length)
    const both = new Float32Array(plain.input.length * 2 * channels)
    const aug = drawAugmentation(rng, h === w)
    copyCrop(
      { shape: this.window, raw: plain.input, targets: stacked },
      [0, 0, 0],
      [d, h, w],
      aug,
      input,
      both,
    )
    const target = new Float32Array(plain.target.length)
    const weight = new Float32Array(plain.weight.length)
    for (let i = 0; i < input.length; i++)
      for (let c = 0; c < channels; c++) {
        target[i * channels + c] = both[i * 2 * channels + c]!
        weight[i * channels + c] = both[i * 2 * channels + channels + c]!
      }
    return { input, target, weight, roi: roi.id, origin }
  }

  /** The window centred on the ROI's box (clipped to the volume): for measuring, not training. */
  centred(roi: Roi): Shape3 {
    return this.originFor(roi, (a, b) => Math.round((a + b) / 2))
  }

  private originFor(roi: Roi, draw: (a: number, b: number) => number): Shape3 {
    const box: Array<[number, number]> = [
      [roi.z0, roi.z1],
      [roi.y0, roi.y1],
      [roi.x0, roi.x1],
    ]
    return box.map(([lo, hi], a) => axisOrigin(lo, hi, this.window[a]!, this.raw.shape[a]!, draw)) as Shape3
  }

  /** One window without augmentation; also gives the instance ids, to measure inside one ROI. */
  async read(roi: number, origin: Shape3): Promise<RoiWindow & { instances: ArrayLike<number> }> {
    const w = this.window
    const region: Region = {
      z0: origin[0],
      z1: origin[0] + w[0],
      y0: origin[1],
      y1: origin[1] + w[1],
      x0: origin[2],
      x1: origin[2] + w[2],
    }
    const raw = toNumberArrayView(await this.raw.readRegion(region))
    const instances = toNumberArrayView(await this.labels.readRegion(region))
    const { mean, std } = this.normalisation
    const input = new Float32Array(raw.length)
    for (let i = 0; i < raw.length; i++) input[i] = (raw[i]! - mean) / std
    const { targets, weights } = roiTargets(instances, this.verdicts, this.task)
    const channels = targets.length
    const target = new Float32Array(raw.length * channels)
    const weight = new Float32Array(raw.length * channels)
    for (let c = 0; c < channels; c++)
      for (let i = 0; i < raw.length; i++) {
        target[i * channels + c] = targets[c]![i]!
        weight[i * channels + c] = weights[c]![i]!
      }
    return { input, target, weight, roi, origin, instances }
  }

  close(): void {
    this.raw.close()
    this.labels.close()
  }
}
