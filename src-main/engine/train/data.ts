import { InputError } from '../errors.ts'
import { channelsOf, type ModelConfig } from '../model/index.ts'
import {
  fullRegion,
  isIntegerDType,
  openVolume,
  toNumberArrayView,
  type Shape3,
  type Volume,
} from '../volume/index.ts'

/** Training volumes are read whole: a "small labeled volume" by design; larger ones get a clear error. */
const MAX_TRAINING_VOXELS = 2 ** 28

export interface LabelSources {
  /** Mitochondria mask or synaptic cleft mask (instance ids or 0/1; > 0 is foreground). */
  labels: string
  /** Synapse only: pre- and post-synaptic partner masks. Without them only the cleft channel trains. */
  pre?: string
  post?: string
}

export interface TrainingData {
  shape: Shape3
  raw: Float32Array
  /** One 0/1 mask per output channel (all zeros for unsupervised channels). */
  targets: Uint8Array[]
  /** 1 for supervised channels. */
  channelMask: number[]
  channelNote: string
  mean: number
  std: number
  foregroundFraction: number
}

async function readWhole(spec: string, role: string): Promise<{ volume: Volume; data: ArrayLike<number> }> {
  const volume = await openVolume(spec)
  const n = volume.shape[0] * volume.shape[1] * volume.shape[2]
  if (n > MAX_TRAINING_VOXELS) {
    volume.close()
    throw new InputError(
      `${spec}: ${role} volume of ${n} voxels is larger than training reads whole (${MAX_TRAINING_VOXELS}); crop a training region`,
    )
  }
  try {
    return { volume, data: toNumberArrayView(await volume.readRegion(fullRegion(volume.shape))) }
  } finally {
    volume.close()
  }
}

async function readMask(spec: string, shape: Shape3, rawSpec: string): Promise<Uint8Array> {
  const { volume, data } = await readWhole(spec, 'label')
  if (!isIntegerDType(volume.dtype)) {
    throw new InputError(`${spec}: labels must be integers (instance ids or 0/1), found ${volume.dtype}`)
  }
  if (volume.shape.join(',') !== shape.join(',')) {
    throw new InputError(
      `${spec}: label shape [${volume.shape}] differs from the raw volume ${rawSpec} [${shape}]`,
    )
  }
  const mask = new Uint8Array(data.length)
  for (let i = 0; i < data.length; i++) mask[i] = data[i]! > 0 ? 1 : 0
  return mask
}

export async function loadTrainingData(
  config: ModelConfig,
  rawSpec: string,
  sources: LabelSources,
): Promise<TrainingData> {
  const { volume, data } = await readWhole(rawSpec, 'raw')
  const shape = volume.shape
  const w = config.window
  if (shape[0] < w[0] || shape[1] < w[1] || shape[2] < w[2]) {
    throw new InputError(`${rawSpec}: shape [${shape}] is smaller than the training window [${w}]`)
  }
  if (config.task === 'mito' && (sources.pre || sources.post)) {
    throw new InputError(`--pre/--post: only the synapse task has pre/post channels`)
  }
  const raw = new Float32Array(data.length)
  let sum = 0
  for (let i = 0; i < data.length; i++) sum += data[i]!
  const mean = sum / data.length
  let sq = 0
  for (let i = 0; i < data.length; i++) sq += (data[i]! - mean) ** 2
  const std = Math.sqrt(sq / data.length) || 1
  for (let i = 0; i < data.length; i++) raw[i] = (data[i]! - mean) / std

  const main = await readMask(sources.labels, shape, rawSpec)
  const channels = channelsOf(config)
  const zeros = (): Uint8Array => new Uint8Array(main.length)
  let targets: Uint8Array[]
  let channelMask: number[]
  let channelNote: string
  if (config.task === 'mito') {
    targets = [main]
    channelMask = [1]
    channelNote = 'mito: labels > 0'
  } else if (sources.pre && sources.post) {
    targets = [
      await readMask(sources.pre, shape, rawSpec),
      await readMask(sources.post, shape, rawSpec),
      main,
    ]
    channelMask = [1, 1, 1]
    channelNote = 'synapse: pre, post and union (cleft) all supervised'
  } else if (sources.pre || sources.post) {
    throw new InputError('--pre and --post go together: give both partner masks or neither')
  } else {
    targets = [zeros(), zeros(), main]
    channelMask = [0, 0, 1]
    channelNote =
      'synapse: clefts only (CREMI style), so only the union channel trains; pre/post are disabled'
  }
  let fg = 0
  for (let i = 0; i < main.length; i++) fg += main[i]!
  if (fg === 0) throw new InputError(`${sources.labels}: no foreground voxels to learn from`)
  if (targets.length !== channels.length) throw new Error('channel count mismatch')
  return { shape, raw, targets, channelMask, channelNote, mean, std, foregroundFraction: fg / main.length }
}

/**
 * The validation slab: the last part of the volume along z when z holds at least three windows,
 * else along y. Training crops never overlap it.
 */
export function splitTrainValidation(shape: Shape3, window: Shape3): { axis: 0 | 1; trainEnd: number } {
  if (shape[0] >= 3 * window[0])
    return { axis: 0, trainEnd: shape[0] - Math.max(window[0], Math.round(shape[0] * 0.15)) }
  if (shape[1] >= 3 * window[1])
    return { axis: 1, trainEnd: shape[1] - Math.max(window[1], Math.round(shape[1] * 0.15)) }
  return { axis: 0, trainEnd: shape[0] }
}
