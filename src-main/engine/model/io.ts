import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { InputError, messageOf } from '../errors.ts'
import { tf } from '../tensor/index.ts'
import { APP_VERSION } from '../version.ts'
import {
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  TASKS,
  validateConfig,
  type ModelConfig,
  type Task,
} from './config.ts'
import { parameterSpecs, type Weights } from './unet.ts'

export interface Normalisation {
  mean: number
  std: number
}

export interface ModelMeta {
  format: typeof MODEL_FORMAT
  formatVersion: number
  appVersion: string
  config: ModelConfig
  normalisation: Normalisation
  /** Which output channels were supervised (CREMI-style clefts alone train only `union`). */
  trainedChannels: string[]
  trainedOn: Record<string, unknown>
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>
}

/** Writes a folder atomically: a reader sees the previous model or the new one, never half of one. */
function replaceFolder(dir: string, write: (tmp: string) => void): void {
  const tmp = `${dir}.partial-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  try {
    write(tmp)
    const old = `${dir}.old-${process.pid}`
    if (existsSync(dir)) renameSync(dir, old)
    renameSync(tmp, dir)
    rmSync(old, { recursive: true, force: true })
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true })
    throw e
  }
}

export async function encodeNamed(
  tensors: Array<{ name: string; tensor: tf.Tensor }>,
): Promise<{ data: Buffer; specs: tf.io.WeightsManifestEntry[] }> {
  const { data, specs } = await tf.io.encodeWeights(tensors)
  return { data: Buffer.from(data as ArrayBuffer), specs }
}

export function decodeNamed(data: Buffer, specs: tf.io.WeightsManifestEntry[]): tf.NamedTensorMap {
  return tf.io.decodeWeights(
    data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
    specs,
  )
}

/**
 * tfjs weights format (model.json with a weightsManifest + weights.bin), plus our config and the
 * intensity normalisation the model was trained with, so prediction normalises the same way.
 */
export async function saveModel(
  dir: string,
  meta: Omit<ModelMeta, 'format' | 'formatVersion' | 'appVersion' | 'weightsManifest'>,
  weights: Weights,
  extra: Record<string, Buffer | string> = {},
): Promise<void> {
  const names = parameterSpecs(meta.config).map((s) => s.name)
  const { data, specs } = await encodeNamed(names.map((name) => ({ name, tensor: weights.get(name)! })))
  const full: ModelMeta = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    appVersion: APP_VERSION,
    ...meta,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  }
  mkdirSync(dirname(dir), { recursive: true })
  replaceFolder(dir, (tmp) => {
    writeFileSync(join(tmp, 'weights.bin'), data)
    for (const [name, content] of Object.entries(extra)) writeFileSync(join(tmp, name), content)
    writeFileSync(join(tmp, 'model.json'), `${JSON.stringify(full, null, 2)}\n`)
  })
}

export function readModelMeta(dir: string): ModelMeta {
  const file = join(dir, 'model.json')
  if (!existsSync(file)) throw new InputError(`${dir}: no model here (model.json missing)`)
  let meta: ModelMeta
  try {
    meta = JSON.parse(readFileSync(file, 'utf8')) as ModelMeta
  } catch (e) {
    throw new InputError(`${file}: unreadable model description (${messageOf(e)})`)
  }
  if (meta.format !== MODEL_FORMAT)
    throw new InputError(`${file}: not an ActiveEM model (format '${String(meta.format)}')`)
  if (meta.formatVersion > MODEL_FORMAT_VERSION) {
    throw new InputError(
      `${file}: model format ${meta.formatVersion} is newer than this ActiveEM reads (${MODEL_FORMAT_VERSION})`,
    )
  }
  if (!TASKS.includes(meta.config?.task as Task))
    throw new InputError(`${file}: unknown task '${String(meta.config?.task)}'`)
  validateConfig(meta.config)
  return meta
}

export function loadModel(dir: string): { meta: ModelMeta; weights: Weights } {
  const meta = readModelMeta(dir)
  const manifest = meta.weightsManifest[0]
  if (!manifest) throw new InputError(`${dir}/model.json: no weightsManifest`)
  const bin = join(dir, manifest.paths[0] ?? 'weights.bin')
  if (!existsSync(bin)) throw new InputError(`${bin}: weights file missing`)
  const tensors = decodeNamed(readFileSync(bin), manifest.weights)
  const weights: Weights = new Map()
  for (const spec of parameterSpecs(meta.config)) {
    const t = tensors[spec.name]
    if (!t || t.shape.join(',') !== spec.shape.join(',')) {
      throw new InputError(
        `${bin}: weight '${spec.name}' missing or of the wrong shape for this model's config`,
      )
    }
    weights.set(spec.name, tf.variable(t, true, spec.name))
    t.dispose()
  }
  return { meta, weights }
}

export function disposeWeights(w: Weights): void {
  for (const v of w.values()) v.dispose()
  w.clear()
}
