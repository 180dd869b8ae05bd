/**
 * Active clustering (paper Sec. 4.2): the image encoder Eu is fine-tuned on the annotated ROIs with
 * triplets (anchor, same-label positive, other-label negative) and Hoffer and Ailon's softmax distance
 * ratio: with d+ and d- the anchor's distances to the positive and the negative,
 * p+ = e^d+ / (e^d+ + e^d-), and the loss ||(p+, p- - 1)||^2 = 2 p+^2 drives d+ / d- towards 0.
 * Only the encoder's weights move (the decoder is not used), and the next round clusters on the new means.
 */
import { checkpointYield } from '../jobs/index.ts'
import type { StageOptions } from '../stage-options.ts'
import { createRng } from '../random.ts'
import { tf } from '../tensor/index.ts'
import type { PatchBatchSource } from './train-vae.ts'
import { encode, type VaeConfig, type VaeWeights } from './vae.ts'

export interface TripletOptions extends StageOptions {
  /** ROI index -> label (true: correct) of the annotated ROIs; both labels must occur. */
  labels: ReadonlyMap<number, boolean>
  epochs?: number
  /** Triplets per step. */
  batchSize?: number
  stepsPerEpoch?: number
  learningRate?: number
  seed?: number
}

export interface TripletResult {
  triplets: number
  firstLoss: number
  lastLoss: number
  seconds: number
}

function encoderVariables(w: VaeWeights): tf.Variable[] {
  return [...w.entries()]
    .filter(([name]) => name.startsWith('enc') || name.startsWith('mu/'))
    .map(([, v]) => v)
}

/** Mean of the two classes' feature distances: within-label and across-label, on the encoder's means. */
export async function separation(
  config: VaeConfig,
  w: VaeWeights,
  patches: PatchBatchSource,
  labels: ReadonlyMap<number, boolean>,
): Promise<{ within: number; across: number; ratio: number }> {
  const idx = [...labels.keys()]
  const s = patches.size
  const data = new Float32Array(idx.length * s * s)
  idx.forEach((p, k) => data.set(patches.data.subarray(p * s * s, (p + 1) * s * s), k * s * s))
  const mu = tf.tidy(() => encode(config, w, tf.tensor4d(data, [idx.length, s, s, 1])).mu)
  const f = await mu.data()
  mu.dispose()
  const d = config.latent
  let within = 0
  let nw = 0
  let across = 0
  let na = 0
  for (let a = 0; a < idx.length; a++)
    for (let b = a + 1; b < idx.length; b++) {
      let sq = 0
      for (let j = 0; j < d; j++) sq += (f[a * d + j]! - f[b * d + j]!) ** 2
      const dist = Math.sqrt(sq)
      if (labels.get(idx[a]!) === labels.get(idx[b]!)) {
        within += dist
        nw++
      } else {
        across += dist
        na++
      }
    }
  within /= Math.max(1, nw)
  across /= Math.max(1, na)
  return { within, across, ratio: across > 0 ? within / across : Infinity }
}

/**
 * Hoffer and Ailon's softmax distance-ratio loss over a batch laid out as anchors, positives, negatives
 * (in thirds along the batch axis), on the encoder's means.
 */
export function tripletLoss(config: VaeConfig, w: VaeWeights, x: tf.Tensor4D): tf.Scalar {
  const mu = encode(config, w, x).mu
  const [fa, fp, fn] = tf.split(mu, 3, 0) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]
  const dPos = tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(fa, fp)), 1), 1e-8))
  const dNeg = tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(fa, fn)), 1), 1e-8))
  // p+ = softmax over (d+, d-) of d+, computed stably as sigmoid(d+ - d-).
  const pPos = tf.sigmoid(tf.sub(dPos, dNeg))
  return tf.mean(tf.mul(2, tf.square(pPos))) as tf.Scalar
}

export async function fineTuneTriplet(
  config: VaeConfig,
  w: VaeWeights,
  patches: PatchBatchSource,
  o: TripletOptions,
): Promise<TripletResult> {
  const pos = [...o.labels].filter(([, v]) => v).map(([i]) => i)
  const neg = [...o.labels].filter(([, v]) => !v).map(([i]) => i)
  if (pos.length < 2 && neg.length < 2) throw new Error('triplet fine-tuning needs two ROIs of one label')
  if (pos.length === 0 || neg.length === 0)
    throw new Error('triplet fine-tuning needs both correct and incorrect ROIs')
  const epochs = o.epochs ?? 10
  const batch = o.batchSize ?? 16
  const steps = o.stepsPerEpoch ?? Math.max(1, Math.ceil(o.labels.size / batch))
  const rng = createRng(o.seed ?? 0)
  const optimizer = tf.train.adam(o.learningRate ?? 1e-4)
  const vars = encoderVariables(w)
  const s = patches.size
  const started = performance.now()
  let first = NaN
  let last = NaN
  let triplets = 0
  const pickFrom = (list: number[], not = -1): number => {
    for (;;) {
      const v = list[rng.int(0, list.length)]!
      if (v !== not || list.length === 1) return v
    }
  }
  try {
    for (let e = 0; e < epochs; e++) {
      for (let step = 0; step < steps; step++) {
        await checkpointYield(o.signal)
        // Anchors from either label (a label with one ROI cannot anchor: it has no positive).
        const anchors: number[] = []
        const positives: number[] = []
        const negatives: number[] = []
        for (let k = 0; k < batch; k++) {
          const fromPos = neg.length < 2 || (pos.length >= 2 && rng.next() < 0.5)
          const same = fromPos ? pos : neg
          const other = fromPos ? neg : pos
          const a = pickFrom(same)
          anchors.push(a)
          positives.push(pickFrom(same, a))
          negatives.push(pickFrom(other))
        }
        const all = [...anchors, ...positives, ...negatives]
        const data = new Float32Array(all.length * s * s)
        all.forEach((p, k) => data.set(patches.data.subarray(p * s * s, (p + 1) * s * s), k * s * s))
        const loss = tf.tidy(() => {
          const x = tf.tensor4d(data, [all.length, s, s, 1])
          return optimizer.minimize(() => tripletLoss(config, w, x), true, vars)!
        })
        const v = (await loss.data())[0]!
        loss.dispose()
        if (Number.isNaN(first)) first = v
        last = v
        triplets += batch
        o.onProgress?.({
          fraction: (e * steps + step + 1) / (epochs * steps),
          message: `triplet fine-tuning epoch ${e + 1}/${epochs}, loss ${v.toFixed(4)}`,
          loss: v,
        })
      }
    }
  } finally {
    optimizer.dispose()
  }
  return { triplets, firstLoss: first, lastLoss: last, seconds: (performance.now() - started) / 1000 }
}
