import { createRng, hashSeed, type Rng } from '../random.ts'
import type { Shape3 } from '../volume/index.ts'
import type { TrainingData } from './data.ts'

export interface Batch {
  input: Float32Array // [N, D, H, W, 1]
  target: Float32Array // [N, D, H, W, C]
  size: number
  rejected: number
}

export interface SamplerOptions {
  window: Shape3
  batchSize: number
  /** Crops without foreground are dropped with this probability (high recall needs positives). */
  rejectEmpty: number
  /** [start, end) of the region crops come from, per axis. */
  bounds: [[number, number], [number, number], [number, number]]
  seed: number
  augment: boolean
}

/**
 * Random crops with flips along each axis and 90-degree rotations in xy. Each iteration draws from its
 * own seeded stream, so a resumed run samples exactly what an uninterrupted one would have.
 */
export function sampleBatch(data: TrainingData, o: SamplerOptions, iteration: number): Batch {
  const rng = createRng(hashSeed(o.seed, iteration))
  const [d, h, w] = o.window
  const voxels = d * h * w
  const channels = data.targets.length
  const input = new Float32Array(o.batchSize * voxels)
  const target = new Float32Array(o.batchSize * voxels * channels)
  let rejected = 0
  for (let b = 0; b < o.batchSize;) {
    const origin = o.bounds.map(([lo, hi], axis) => rng.int(lo, hi - o.window[axis]! + 1)) as Shape3
    if (
      !hasForeground(data, origin, o.window, data.channelMask) &&
      rng.next() < o.rejectEmpty &&
      rejected < 200
    ) {
      rejected++
      continue
    }
    const aug = o.augment
      ? drawAugmentation(rng, h === w)
      : { flip: [false, false, false] as const, transpose: false }
    copyCrop(
      data,
      origin,
      o.window,
      aug,
      input.subarray(b * voxels, (b + 1) * voxels),
      target.subarray(b * voxels * channels, (b + 1) * voxels * channels),
    )
    b++
  }
  return { input, target, size: o.batchSize, rejected }
}

export interface Augmentation {
  flip: readonly [boolean, boolean, boolean]
  transpose: boolean
}

export function drawAugmentation(rng: Rng, square: boolean): Augmentation {
  return {
    flip: [rng.next() < 0.5, rng.next() < 0.5, rng.next() < 0.5],
    transpose: square && rng.next() < 0.5,
  }
}

function hasForeground(data: TrainingData, o: Shape3, win: Shape3, mask: number[]): boolean {
  const [, ny, nx] = data.shape
  for (let c = 0; c < data.targets.length; c++) {
    if (!mask[c]) continue
    const t = data.targets[c]!
    for (let z = 0; z < win[0]; z++)
      for (let y = 0; y < win[1]; y++) {
        const row = ((o[0] + z) * ny + o[1] + y) * nx + o[2]
        for (let x = 0; x < win[2]; x++) if (t[row + x]) return true
      }
  }
  return false
}

/**
 * Flip + transpose composed: (z, y, x) in the crop reads source (z', y', x'); transpose swaps y and x (a
 * 90-degree turn with one flip). Fine-tuning reuses it for its ROI windows (with weights as extra targets).
 */
export function copyCrop(
  data: Pick<TrainingData, 'shape' | 'raw' | 'targets'>,
  o: Shape3,
  win: Shape3,
  aug: Augmentation,
  input: Float32Array,
  target: Float32Array,
): void {
  const [, ny, nx] = data.shape
  const [d, h, w] = win
  const channels = data.targets.length
  let i = 0
  for (let z = 0; z < d; z++) {
    const sz = o[0] + (aug.flip[0] ? d - 1 - z : z)
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++) {
        let yy = aug.flip[1] ? h - 1 - y : y
        let xx = aug.flip[2] ? w - 1 - x : x
        if (aug.transpose) [yy, xx] = [xx, yy]
        const src = (sz * ny + o[1] + yy) * nx + o[2] + xx
        input[i] = data.raw[src]!
        for (let c = 0; c < channels; c++) target[i * channels + c] = data.targets[c]![src]!
      }
    }
  }
}
