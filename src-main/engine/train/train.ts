import { existsSync } from 'node:fs'
import { checkDevice, deviceFailure } from '../device-state.ts'
import { join } from 'node:path'
import { InputError } from '../errors.ts'
import { recentLoss, Throughput } from '../eta.ts'
import { checkpointYield } from '../jobs/index.ts'
import type { StageOptions } from '../stage-options.ts'
import {
  channelsOf,
  disposeWeights,
  forward,
  needsCheckpointing,
  initWeights,
  loadModel,
  parameterCount,
  saveModel,
  segmentationLoss,
  type ModelConfig,
  type Weights,
} from '../model/index.ts'
import { tf } from '../tensor/index.ts'
import type { Shape3 } from '../volume/index.ts'
import { loadTrainingData, splitTrainValidation, type LabelSources, type TrainingData } from './data.ts'
import { sampleBatch, type SamplerOptions } from './sampler.ts'
import { readCheckpoint, writeCheckpoint } from './checkpoint.ts'

export interface TrainOptions extends StageOptions {
  config: ModelConfig
  raw: string
  labels: LabelSources
  /** Where the model and its checkpoint live (a folder in the project). */
  modelDir: string
  iterations?: number
  minutes?: number
  batchSize?: number
  learningRate?: number
  seed?: number
  checkpointEvery?: number
  validateEvery?: number
  onLog?: (line: string) => void
}

export interface TrainResult {
  iterations: number
  resumedFrom: number
  seconds: number
  finalLoss: number
  validation: { dice: Record<string, number | null>; loss: number } | null
  voxelsPerSecond: number
  parameters: number
  channelNote: string
  rejectedEmptyCrops: number
  stoppedBy: 'iterations' | 'minutes'
}

interface Checkpoint {
  iteration: number
  elapsedSeconds: number
  losses: number[]
  rejected: number
}

const CHECKPOINT = 'checkpoint'

/** Mean of per-channel Dice at 0.5 over fixed validation windows, plus the loss there. */
async function validate(
  config: ModelConfig,
  weights: Weights,
  data: TrainingData,
  crops: Shape3[],
  fgWeight: number,
) {
  const channels = channelsOf(config)
  const inter = new Float64Array(channels.length)
  const sums = new Float64Array(channels.length)
  let loss = 0
  const mask = tf.tensor1d(data.channelMask)
  for (const origin of crops) {
    const batch = sampleFixed(data, config.window, origin)
    // Read back with data(), not dataSync(): the webgpu backend has no synchronous readback in Node.
    const [l, i, s] = tf.tidy(() => {
      const x = tf.tensor5d(batch.input, [1, ...config.window, 1])
      const y = tf.tensor5d(batch.target, [1, ...config.window, channels.length])
      const logits = forward(config, weights, x)
      const p = tf.cast(tf.greater(logits, 0), 'float32')
      return [
        segmentationLoss(logits, y, mask, fgWeight),
        tf.sum(tf.mul(p, y), [0, 1, 2, 3]),
        tf.add(tf.sum(p, [0, 1, 2, 3]), tf.sum(y, [0, 1, 2, 3])),
      ]
    })
    const [lv, iv, sv] = await Promise.all([l.data(), i.data(), s.data()])
    tf.dispose([l, i, s])
    loss += lv[0]! / crops.length
    for (let c = 0; c < channels.length; c++) {
      inter[c]! += iv[c]!
      sums[c]! += sv[c]!
    }
  }
  mask.dispose()
  const dice: Record<string, number | null> = {}
  channels.forEach((name, c) => {
    dice[name] = data.channelMask[c] ? (sums[c]! > 0 ? (2 * inter[c]!) / sums[c]! : 1) : null
  })
  return { dice, loss }
}

function sampleFixed(data: TrainingData, window: Shape3, origin: Shape3) {
  const bounds = origin.map((o, a) => [o, o + window[a]!]) as SamplerOptions['bounds']
  return sampleBatch(data, { window, batchSize: 1, rejectEmpty: 0, bounds, seed: 0, augment: false }, 0)
}

function validationCrops(shape: Shape3, window: Shape3, split: { axis: 0 | 1; trainEnd: number }): Shape3[] {
  const crops: Shape3[] = []
  const lo: Shape3 = [0, 0, 0]
  lo[split.axis] = split.trainEnd
  if (shape[split.axis] - split.trainEnd < window[split.axis]) return crops
  for (let z = lo[0]; z + window[0] <= shape[0] && crops.length < 8; z += window[0])
    for (let y = lo[1]; y + window[1] <= shape[1] && crops.length < 8; y += window[1])
      for (let x = 0; x + window[2] <= shape[2] && crops.length < 8; x += window[2]) crops.push([z, y, x])
  return crops
}

/**
 * Trains (or resumes training) the base model: random crops with augmentation, foreground-reweighted
 * BCE + Dice, empty crops rejected with p = 0.95, validation on a held-out slab, checkpoints that a
 * killed or cancelled run resumes from.
 */
export async function trainModel(o: TrainOptions): Promise<TrainResult> {
  const config = o.config
  const batchSize = o.batchSize ?? 2
  const seed = o.seed ?? 1
  const lr = o.learningRate ?? 2e-3
  if (o.iterations === undefined && o.minutes === undefined)
    throw new InputError('train: give --iterations N or --minutes M')
  const log = o.onLog ?? (() => {})
  const data = await loadTrainingData(config, o.raw, o.labels)
  log(data.channelNote)
  const split = splitTrainValidation(data.shape, config.window)
  const bounds: SamplerOptions['bounds'] = [
    [0, data.shape[0]],
    [0, data.shape[1]],
    [0, data.shape[2]],
  ]
  bounds[split.axis] = [0, split.trainEnd]
  const valCrops = validationCrops(data.shape, config.window, split)
  // Foreground weight from the label statistics: enough to stop "all background" from winning.
  const fgWeight = Math.min(10, Math.max(1, (1 - data.foregroundFraction) / data.foregroundFraction / 4))

  const checkpointDir = join(o.modelDir, CHECKPOINT)
  let weights: Weights
  let state: Checkpoint = { iteration: 0, elapsedSeconds: 0, losses: [], rejected: 0 }
  const optimizer = tf.train.adam(lr)
  if (existsSync(join(checkpointDir, 'model.json'))) {
    const loaded = loadModel(checkpointDir)
    if (JSON.stringify(loaded.meta.config) !== JSON.stringify(config)) {
      disposeWeights(loaded.weights)
      throw new InputError(
        `${checkpointDir}: a checkpoint with another model config exists; use another --name`,
      )
    }
    weights = loaded.weights
    state = await readCheckpoint<Checkpoint>(checkpointDir, optimizer)
    log(`resuming from the checkpoint at iteration ${state.iteration}`)
  } else {
    weights = initWeights(config, seed)
  }
  const resumedFrom = state.iteration
  const vars = [...weights.values()]
  const channels = channelsOf(config)
  const voxelsPerStep = batchSize * config.window[0] * config.window[1] * config.window[2]
  const normalisation = { mean: data.mean, std: data.std }
  const trainedOn = { raw: o.raw, labels: o.labels, channelNote: data.channelNote }
  const meta = {
    config,
    normalisation,
    trainedChannels: channels.filter((_, c) => data.channelMask[c]),
    trainedOn,
  }

  const saveCheckpoint = (): Promise<void> => writeCheckpoint(checkpointDir, meta, weights, optimizer, state)

  const mask = tf.tensor1d(data.channelMask)
  const started = performance.now() - state.elapsedSeconds * 1000
  const elapsed = (): number => (performance.now() - started) / 1000
  const limitSeconds = o.minutes !== undefined ? o.minutes * 60 : Infinity
  const limitIterations = o.iterations ?? Infinity
  const checkpointEvery = o.checkpointEvery ?? 50
  const validateEvery = o.validateEvery ?? 100
  const checkpoint = needsCheckpointing(config, batchSize)
  if (checkpoint)
    log(
      `a ${batchSize} x ${config.window.join('x')} batch recomputes each block's forward in the backward pass (gradient checkpointing) to fit the wasm heap`,
    )
  let stepSeconds = 0
  const throughput = new Throughput()
  let lastValidation: TrainResult['validation'] = null
  try {
    while (state.iteration < limitIterations && elapsed() < limitSeconds) {
      await checkpointYield(o.signal)
      const t0 = performance.now()
      const batch = sampleBatch(
        data,
        { window: config.window, batchSize, rejectEmpty: 0.95, bounds, seed, augment: true },
        state.iteration,
      )
      state.rejected += batch.rejected
      const loss = tf.tidy(() => {
        const x = tf.tensor5d(batch.input, [batchSize, ...config.window, 1])
        const y = tf.tensor5d(batch.target, [batchSize, ...config.window, channels.length])
        return optimizer.minimize(
          () => segmentationLoss(forward(config, weights, x, { checkpoint }), y, mask, fgWeight),
          true,
          vars,
        )!
      })
      const value = (await loss.data())[0]!
      loss.dispose()
      checkDevice()
      state.iteration++
      state.losses.push(value)
      stepSeconds =
        stepSeconds === 0
          ? (performance.now() - t0) / 1000
          : 0.9 * stepSeconds + 0.1 * ((performance.now() - t0) / 1000)
      const byIterations = Number.isFinite(limitIterations)
        ? throughput.eta(state.iteration - resumedFrom, limitIterations - resumedFrom)
        : null
      const byClock = limitSeconds - elapsed()
      const remaining =
        byIterations === null ? (Number.isFinite(byClock) ? byClock : null) : Math.min(byIterations, byClock)
      const total = Number.isFinite(limitIterations)
        ? limitIterations
        : state.iteration + Math.max(0, byClock) / stepSeconds
      const shown = recentLoss(state.losses)
      o.onProgress?.({
        fraction: state.iteration / Math.max(total, 1),
        message: `iteration ${state.iteration}, loss ${shown.toFixed(4)}`,
        iteration: state.iteration,
        loss: shown,
        voxelsPerSecond: voxelsPerStep / stepSeconds,
        etaSeconds: remaining === null ? null : Math.max(0, remaining),
      })
      if (valCrops.length && state.iteration % validateEvery === 0) {
        lastValidation = await validate(config, weights, data, valCrops, fgWeight)
        log(
          `validation at ${state.iteration}: loss ${lastValidation.loss.toFixed(4)}, dice ${JSON.stringify(lastValidation.dice)}`,
        )
      }
      state.elapsedSeconds = elapsed()
      if (state.iteration % checkpointEvery === 0) await saveCheckpoint()
    }
    if (valCrops.length) lastValidation = await validate(config, weights, data, valCrops, fgWeight)
    state.elapsedSeconds = elapsed()
    await saveModel(o.modelDir, meta, weights)
    await saveCheckpoint()
  } catch (e) {
    state.elapsedSeconds = elapsed()
    // After a GPU failure the weights on the device are gone or wrong: the last checkpoint stands.
    if (state.iteration > resumedFrom && !deviceFailure()) await saveCheckpoint()
    throw deviceFailure() ?? e
  } finally {
    mask.dispose()
  }
  const result: TrainResult = {
    iterations: state.iteration,
    resumedFrom,
    seconds: state.elapsedSeconds,
    finalLoss: recentLoss(state.losses),
    validation: lastValidation,
    voxelsPerSecond: stepSeconds > 0 ? voxelsPerStep / stepSeconds : 0,
    parameters: parameterCount(weights),
    channelNote: data.channelNote,
    rejectedEmptyCrops: state.rejected,
    stoppedBy: state.iteration >= limitIterations ? 'iterations' : 'minutes',
  }
  disposeWeights(weights)
  optimizer.dispose()
  return result
}
