/**
 * Importing a base model trained elsewhere, in the tfjs layers format (model.json with a
 * weightsManifest and binary weight shards, as `tensorflowjs_converter` and tfjs' `model.save` write
 * them). The network must be ours (the residual-SE U-Net of unet.ts); its weights are found by name,
 * Keras style (`down0_conv1/kernel`, `down0_norm1/gamma`, `down0_se1/kernel`, `head/bias`) or ours
 * (`down0/conv1/w`), and the config (task, width, depth, kernel sizes, SE reduction) is read off their
 * shapes. resources/convert/torch_unet_to_tfjs.py writes PyTorch weights of the same network this way.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { InputError, messageOf } from '../errors.ts'
import { tf } from '../tensor/index.ts'
import { defaultConfig, TASKS, validateConfig, type ModelConfig, type Task } from './config.ts'
import type { Normalisation } from './io.ts'
import { parameterSpecs, type Weights } from './unet.ts'

interface LayersModelJson {
  format?: string
  modelTopology?: unknown
  weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>
  userDefinedMetadata?: { activeem?: { task?: string; window?: number[]; normalisation?: Normalisation } }
}

export interface ImportedModel {
  config: ModelConfig
  weights: Weights
  normalisation: Normalisation | null
  /** Each of our weight names and the name it had in the file. */
  mapping: Record<string, string>
}

/** Our name for a weight of a layers model, or null when it is not one of ours. */
export function ourName(name: string): string | null {
  const parts = name.split('/')
  // Keras prefixes weights with the model's name in some exports: keep the last two parts.
  const [layer = '', weight = ''] = parts.slice(-2)
  const ours = /^(down\d+|up\d+)\/(conv1|conv2|skip|norm1|norm2|se)\/(w|b|gamma|beta|w1|w2)$/
  if (parts.length >= 3 && ours.test(parts.slice(-3).join('/'))) return parts.slice(-3).join('/')
  if (/^head\/(w|b)$/.test(`${layer}/${weight}`)) return `${layer}/${weight}`
  const suffix: Record<string, string> = { kernel: 'w', bias: 'b', gamma: 'gamma', beta: 'beta' }
  if (layer === 'head' && (weight === 'kernel' || weight === 'bias')) return `head/${suffix[weight]}`
  const m = /^(down\d+|up\d+)_(conv1|conv2|skip|norm1|norm2|se1|se2)$/.exec(layer)
  if (!m || !suffix[weight]) return null
  if (m[2] === 'se1' || m[2] === 'se2') return weight === 'kernel' ? `${m[1]}/se/w${m[2].slice(2)}` : null
  return `${m[1]}/${m[2]}/${suffix[weight]}`
}

function fail(file: string, what: string): never {
  throw new InputError(`${file}: ${what}`)
}

/** Reads the weights of a tfjs layers-format model and checks they make one of our networks. */
export function readLayersModel(file: string, overrides: { task?: Task } = {}): ImportedModel {
  if (!existsSync(file)) fail(file, 'no such file (expected the model.json of a tfjs layers model)')
  let json: LayersModelJson
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as LayersModelJson
  } catch (e) {
    fail(file, `not JSON (${messageOf(e)})`)
  }
  if (json.format !== undefined && json.format !== 'layers-model')
    fail(file, `format '${String(json.format)}' is not a tfjs layers model ('layers-model')`)
  if (!json.modelTopology) fail(file, 'no modelTopology: not a tfjs layers model')
  if (!Array.isArray(json.weightsManifest) || json.weightsManifest.length === 0)
    fail(file, 'no weightsManifest')

  const named = new Map<string, { file: string; tensor: tf.Tensor }>()
  const mapping: Record<string, string> = {}
  try {
    for (const group of json.weightsManifest) {
      const buffers = group.paths.map((p) => {
        const shard = join(dirname(file), p)
        if (!existsSync(shard)) fail(file, `weight shard '${p}' is missing next to it`)
        return readFileSync(shard)
      })
      const data = Buffer.concat(buffers)
      const tensors = tf.io.decodeWeights(
        data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
        group.weights,
      )
      for (const [name, tensor] of Object.entries(tensors)) {
        const ours = ourName(name)
        if (!ours) {
          tensor.dispose()
          fail(
            file,
            `weight '${name}' is not part of ActiveEM's U-Net (expected names like down0_conv1/kernel)`,
          )
        }
        if (named.has(ours)) {
          tensor.dispose()
          fail(file, `weights '${mapping[ours]}' and '${name}' are the same parameter ${ours}`)
        }
        if (tensor.dtype !== 'float32') {
          tensor.dispose()
          fail(file, `weight '${name}' is ${tensor.dtype}, expected float32`)
        }
        named.set(ours, { file: name, tensor })
        mapping[ours] = name
      }
    }
    const config = inferConfig(file, named, json, overrides)
    const weights: Weights = new Map()
    for (const spec of parameterSpecs(config)) {
      const found = named.get(spec.name)
      if (!found) fail(file, `weight for ${spec.name} (shape [${spec.shape}]) is missing`)
      if (found.tensor.shape.join(',') !== spec.shape.join(','))
        fail(
          file,
          `weight '${found.file}' has shape [${found.tensor.shape}], expected [${spec.shape}] for ${spec.name}`,
        )
    }
    const extra = [...named.keys()].filter((n) => !parameterSpecs(config).some((s) => s.name === n))
    if (extra.length > 0)
      fail(file, `weight '${mapping[extra[0]!]}' has no place in a depth-${config.depth} U-Net`)
    for (const spec of parameterSpecs(config)) {
      weights.set(spec.name, tf.variable(named.get(spec.name)!.tensor, true, spec.name))
    }
    const normalisation = json.userDefinedMetadata?.activeem?.normalisation ?? null
    if (normalisation && !(Number.isFinite(normalisation.mean) && normalisation.std > 0))
      fail(file, 'userDefinedMetadata.activeem.normalisation: expected a finite mean and a positive std')
    return { config, weights, normalisation, mapping }
  } finally {
    for (const { tensor } of named.values()) tensor.dispose()
  }
}

function inferConfig(
  file: string,
  named: Map<string, { tensor: tf.Tensor }>,
  json: LayersModelJson,
  overrides: { task?: Task },
): ModelConfig {
  const shape = (name: string): number[] => {
    const t = named.get(name)
    if (!t) fail(file, `weight for ${name} is missing`)
    return t.tensor.shape
  }
  let depth = 0
  while (named.has(`down${depth}/conv1/w`)) depth++
  if (depth < 1) fail(file, 'no down0_conv1/kernel weight: not ActiveEM’s U-Net')
  const first = shape('down0/conv1/w')
  if (first.length !== 5 || first[3] !== 1)
    fail(file, `down0_conv1/kernel has shape [${first}], expected [kd, kh, kw, 1, width]`)
  const width = first[4]!
  let iso = depth
  for (let l = 0; l < depth; l++) {
    if (shape(`down${l}/conv1/w`)[0] === 3) {
      iso = l
      break
    }
  }
  const outputs = shape('head/w')[4]
  const byChannels: Task | undefined = outputs === 1 ? 'mito' : outputs === 3 ? 'synapse' : undefined
  const metaTask = json.userDefinedMetadata?.activeem?.task
  const task = overrides.task ?? (metaTask as Task | undefined) ?? byChannels
  if (!task || !TASKS.includes(task) || !byChannels)
    fail(file, `the head has ${outputs} outputs: expected 1 (mito) or 3 (synapse)`)
  if (task !== byChannels)
    fail(file, `a ${byChannels} model (${outputs} output${outputs === 1 ? '' : 's'}), not a ${task} model`)
  // The SE bottleneck is max(2, floor(channels / r)): the smallest r that gives every level's width.
  const mids = Array.from({ length: depth }, (_, l) => [width * 2 ** l, shape(`down${l}/se/w1`)[1]!])
  const reduction = Array.from({ length: 64 }, (_, i) => i + 1).find((r) =>
    mids.every(([ch, mid]) => Math.max(2, Math.floor(ch! / r)) === mid),
  )
  if (reduction === undefined)
    fail(file, 'the squeeze-excitation weights fit no reduction ratio from 1 to 64')
  const window = json.userDefinedMetadata?.activeem?.window
  const config = defaultConfig(task, {
    width,
    depth,
    isotropicFromLevel: iso,
    seReduction: reduction,
    ...(Array.isArray(window) && window.length === 3 ? { window: window as [number, number, number] } : {}),
  })
  try {
    return validateConfig(config)
  } catch (e) {
    fail(file, messageOf(e))
  }
}
