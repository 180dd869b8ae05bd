import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Throughput } from '../eta.ts'
import { checkpointYield } from '../jobs/index.ts'
import type { StageOptions } from '../stage-options.ts'
import { decodeNamed, encodeNamed } from '../model/index.ts'
import { createRng } from '../random.ts'
import { tf, tfSeed } from '../tensor/index.ts'
import { encode, initVaeWeights, vaeLoss, vaeParameterSpecs, type VaeConfig, type VaeWeights } from './vae.ts'

/** Patches as [n, size, size] values already scaled to [-1, 1]. */
export interface PatchBatchSource {
  n: number
  size: number
  data: Float32Array
}

export interface TrainVaeOptions extends StageOptions {
  config: VaeConfig
  patches: PatchBatchSource
  epochs: number
  batchSize?: number
  learningRate?: number
  seed?: number
  /** Folder for the model and its checkpoints (weights after every epoch); reused to resume. */
  dir: string
}

export interface TrainVaeResult {
  epochs: number
  resumedFromEpoch: number
  finalLoss: number
  reconstruction: number
  kl: number
  samplesPerSecond: number
  seconds: number
}

interface State {
  epoch: number
  losses: number[]
  seconds: number
  /** What makes the run: see runKey. */
  run?: string
}

/**
 * Everything besides the configuration and the epoch count that decides a run's weights: the seed, the
 * batch size, the learning rate and the patches. A checkpoint resumes only the run it came from: another
 * seed's (or another training set's) weights would pass silently for this run's.
 */
function runKey(o: TrainVaeOptions, batchSize: number, seed: number): string {
  const { n, size, data } = o.patches
  return createHash('sha256')
    .update(JSON.stringify([seed, batchSize, o.learningRate ?? 1e-3, n, size]))
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex')
    .slice(0, 32)
}

const WEIGHTS = 'weights.bin'
const META = 'vae.json'

export async function saveVae(dir: string, config: VaeConfig, w: VaeWeights, state: object): Promise<void> {
  const names = vaeParameterSpecs(config).map((s) => s.name)
  const { data, specs } = await encodeNamed(names.map((name) => ({ name, tensor: w.get(name)! })))
  // Written beside and renamed: a crash leaves the previous epoch's model whole.
  const tmp = `${dir}.partial-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  writeFileSync(join(tmp, WEIGHTS), data)
  writeFileSync(
    join(tmp, META),
    `${JSON.stringify({ format: 'activeem-vae', version: 1, config, specs, state }, null, 2)}\n`,
  )
  const old = `${dir}.old-${process.pid}`
  if (existsSync(dir)) renameSync(dir, old)
  renameSync(tmp, dir)
  rmSync(old, { recursive: true, force: true })
}

interface VaeMeta {
  config: VaeConfig
  specs: tf.io.WeightsManifestEntry[]
  state: unknown
}

function readVaeMeta(dir: string): VaeMeta {
  return JSON.parse(readFileSync(join(dir, META), 'utf8')) as VaeMeta
}

/** A saved VAE's configuration, without loading its weights. */
export function readVaeConfig(dir: string): VaeConfig {
  return readVaeMeta(dir).config
}

export function loadVae(dir: string): { config: VaeConfig; weights: VaeWeights; state: unknown } {
  const meta = readVaeMeta(dir)
  const tensors = decodeNamed(readFileSync(join(dir, WEIGHTS)), meta.specs)
  const weights: VaeWeights = new Map()
  for (const spec of vaeParameterSpecs(meta.config)) {
    const t = tensors[spec.name]
    if (!t || t.shape.join() !== spec.shape.join())
      throw new Error(`${dir}: weight ${spec.name} missing or misshapen`)
    weights.set(spec.name, tf.variable(t, true))
    t.dispose()
  }
  return { config: meta.config, weights, state: meta.state }
}

export function disposeVae(w: VaeWeights): void {
  for (const v of w.values()) v.dispose()
  w.clear()
}

/**
 * One optimiser step on a batch of patches ([n, size, size] in [-1, 1], n = batch.length / size^2):
 * the reparameterisation noise drawn with `noiseSeed`, the loss minimised over `vars`, and the loss and
 * its two terms read back. The step `trainVae` takes, exposed for `activeem bench`.
 */
export async function vaeTrainStep(
  c: VaeConfig,
  weights: VaeWeights,
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  batch: Float32Array,
  noiseSeed: number,
): Promise<{ loss: number; reconstruction: number; kl: number }> {
  const n = batch.length / (c.size * c.size)
  const parts = tf.tidy(() => {
    const x = tf.tensor4d(batch, [n, c.size, c.size, 1])
    const eps = tf.randomNormal([n, c.latent], 0, 1, 'float32', tfSeed(noiseSeed)) as tf.Tensor2D
    let rec: tf.Scalar | null = null
    let kl: tf.Scalar | null = null
    const loss = optimizer.minimize(
      () => {
        const l = vaeLoss(c, weights, x, eps)
        rec = tf.keep(l.reconstruction)
        kl = tf.keep(l.kl)
        return l.loss
      },
      true,
      vars,
    )!
    return [loss, rec!, kl!] as const
  })
  const [loss, reconstruction, kl] = await Promise.all(parts.map(async (t) => (await t.data())[0]!))
  parts.forEach((t) => t.dispose())
  return { loss: loss!, reconstruction: reconstruction!, kl: kl! }
}

/**
 * Trains a VAE on the patches, epoch by epoch in a seeded order, saving the weights after every epoch:
 * a cancelled or killed run resumes at the next epoch (the optimizer's moments start again, which the
 * first few steps absorb).
 */
export async function trainVae(o: TrainVaeOptions): Promise<{ weights: VaeWeights; result: TrainVaeResult }> {
  const c = o.config
  const batchSize = Math.min(o.batchSize ?? 32, o.patches.n)
  const seed = o.seed ?? 0
  let weights: VaeWeights
  const run = runKey(o, batchSize, seed)
  let state: State = { epoch: 0, losses: [], seconds: 0, run }
  if (existsSync(join(o.dir, META))) {
    const loaded = loadVae(o.dir)
    weights = loaded.weights
    state = loaded.state as State
    // A VAE of another configuration or run, or one trained past the epochs asked for, is an earlier
    // experiment's: start again. A run asked for more epochs resumes.
    if (JSON.stringify(loaded.config) !== JSON.stringify(c) || state.run !== run || state.epoch > o.epochs) {
      disposeVae(loaded.weights)
      rmSync(o.dir, { recursive: true, force: true })
      weights = initVaeWeights(c, seed)
      state = { epoch: 0, losses: [], seconds: 0, run }
    }
  } else {
    weights = initVaeWeights(c, seed)
  }
  const resumedFromEpoch = state.epoch
  const optimizer = tf.train.adam(o.learningRate ?? 1e-3)
  const vars = [...weights.values()]
  const s = o.patches.size
  const stepsPerEpoch = Math.ceil(o.patches.n / batchSize)
  const started = performance.now() - state.seconds * 1000
  let samples = 0
  let sampleSeconds = 0
  let last = { loss: NaN, reconstruction: NaN, kl: NaN }
  const throughput = new Throughput()
  const startedAt = state.epoch * stepsPerEpoch
  try {
    for (let epoch = state.epoch; epoch < o.epochs; epoch++) {
      const rng = createRng(seed * 7919 + epoch)
      const order = Array.from({ length: o.patches.n }, (_, i) => i)
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(0, i + 1)
        ;[order[i], order[j]] = [order[j]!, order[i]!]
      }
      let sum = 0
      for (let step = 0; step < stepsPerEpoch; step++) {
        await checkpointYield(o.signal)
        const t0 = performance.now()
        const idx = order.slice(step * batchSize, (step + 1) * batchSize)
        const batch = new Float32Array(idx.length * s * s)
        idx.forEach((p, k) => batch.set(o.patches.data.subarray(p * s * s, (p + 1) * s * s), k * s * s))
        last = await vaeTrainStep(c, weights, optimizer, vars, batch, seed * 100003 + epoch * 1009 + step)
        sum += last.loss
        samples += idx.length
        sampleSeconds += (performance.now() - t0) / 1000
        const done = epoch * stepsPerEpoch + step + 1
        const total = o.epochs * stepsPerEpoch
        const rate = samples / sampleSeconds
        // The epoch's mean so far: at its end, the figure its summary and curve keep.
        const loss = sum / (step + 1)
        o.onProgress?.({
          fraction: done / total,
          message: `${c.kind} VAE epoch ${epoch + 1}/${o.epochs}, loss ${loss.toFixed(4)}`,
          epoch: epoch + 1,
          [`${c.kind} VAE loss`]: loss,
          samplesPerSecond: rate,
          etaSeconds: throughput.eta(done - startedAt, total - startedAt),
        })
      }
      state = {
        epoch: epoch + 1,
        losses: [...state.losses, sum / stepsPerEpoch],
        seconds: (performance.now() - started) / 1000,
        run,
      }
      await saveVae(o.dir, c, weights, state)
    }
  } catch (e) {
    optimizer.dispose()
    disposeVae(weights)
    throw e
  }
  optimizer.dispose()
  return {
    weights,
    result: {
      epochs: state.epoch,
      resumedFromEpoch,
      finalLoss: state.losses.at(-1) ?? last.loss,
      reconstruction: last.reconstruction,
      kl: last.kl,
      samplesPerSecond: sampleSeconds > 0 ? samples / sampleSeconds : 0,
      seconds: (performance.now() - started) / 1000,
    },
  }
}

/** The mean vectors of the patches: [n, latent]. */
export async function vaeFeatures(
  config: VaeConfig,
  weights: VaeWeights,
  patches: PatchBatchSource,
  batchSize = 128,
): Promise<Float32Array> {
  const s = patches.size
  const out = new Float32Array(patches.n * config.latent)
  for (let i = 0; i < patches.n; i += batchSize) {
    const m = Math.min(batchSize, patches.n - i)
    const mu = tf.tidy(
      () =>
        encode(config, weights, tf.tensor4d(patches.data.subarray(i * s * s, (i + m) * s * s), [m, s, s, 1]))
          .mu,
    )
    out.set(await mu.data(), i * config.latent)
    mu.dispose()
  }
  return out
}
