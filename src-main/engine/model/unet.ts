import { conv3d, maxPoolHW, tf, upsampleHW } from '../tensor/index.ts'
import { channelsOf, kernelAt, type ModelConfig } from './config.ts'

type T5 = tf.Tensor5D
export type Weights = Map<string, tf.Variable>

interface Spec {
  name: string
  shape: number[]
  init: 'he' | 'zeros' | 'ones' | 'xavier'
}

/** The parameter list of the network, in a stable order (the order they are saved in). */
export function parameterSpecs(c: ModelConfig): Spec[] {
  const specs: Spec[] = []
  const conv = (name: string, k: number[], cin: number, cout: number): void => {
    specs.push({ name: `${name}/w`, shape: [...k, cin, cout], init: 'he' })
    specs.push({ name: `${name}/b`, shape: [cout], init: 'zeros' })
  }
  const norm = (name: string, ch: number): void => {
    specs.push({ name: `${name}/gamma`, shape: [ch], init: 'ones' })
    specs.push({ name: `${name}/beta`, shape: [ch], init: 'zeros' })
  }
  const block = (name: string, level: number, cin: number, cout: number): void => {
    const k = kernelAt(c, level)
    conv(`${name}/conv1`, k, cin, cout)
    norm(`${name}/norm1`, cout)
    conv(`${name}/conv2`, k, cout, cout)
    norm(`${name}/norm2`, cout)
    const mid = Math.max(2, Math.floor(cout / c.seReduction))
    specs.push({ name: `${name}/se/w1`, shape: [cout, mid], init: 'xavier' })
    specs.push({ name: `${name}/se/w2`, shape: [mid, cout], init: 'xavier' })
    if (cin !== cout) conv(`${name}/skip`, [1, 1, 1], cin, cout)
  }
  const widths = Array.from({ length: c.depth }, (_, l) => c.width * 2 ** l)
  let cin = 1
  for (let l = 0; l < c.depth; l++) {
    block(`down${l}`, l, cin, widths[l]!)
    cin = widths[l]!
  }
  for (let l = c.depth - 2; l >= 0; l--) {
    block(`up${l}`, l, widths[l + 1]! + widths[l]!, widths[l]!)
  }
  conv('head', [1, 1, 1], widths[0]!, channelsOf(c).length)
  return specs
}

export function initWeights(c: ModelConfig, seed: number): Weights {
  const weights: Weights = new Map()
  let s = seed
  for (const spec of parameterSpecs(c)) {
    const value = tf.tidy(() => {
      if (spec.init === 'zeros') return tf.zeros(spec.shape)
      if (spec.init === 'ones') return tf.ones(spec.shape)
      const fanIn = spec.shape.slice(0, -1).reduce((a, b) => a * b, 1)
      const fanOut = spec.shape.at(-1)!
      const std = spec.init === 'he' ? Math.sqrt(2 / fanIn) : Math.sqrt(2 / (fanIn + fanOut))
      return tf.truncatedNormal(spec.shape, 0, std, 'float32', s++)
    })
    weights.set(spec.name, tf.variable(value, true, spec.name))
    value.dispose()
  }
  return weights
}

function get(w: Weights, name: string): tf.Variable {
  const v = w.get(name)
  if (!v) throw new Error(`missing weight ${name}`)
  return v
}

function convB(w: Weights, name: string, x: T5): T5 {
  return tf.add(conv3d(x, get(w, `${name}/w`) as unknown as T5), get(w, `${name}/b`)) as T5
}

/** Instance normalisation over z, y, x per channel: batch-size-1 friendly and window-size agnostic. */
function instanceNorm(w: Weights, name: string, x: T5): T5 {
  const { mean, variance } = tf.moments(x, [1, 2, 3], true)
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)))
  return tf.add(tf.mul(normed, get(w, `${name}/gamma`)), get(w, `${name}/beta`)) as T5
}

function squeezeExcite(w: Weights, name: string, x: T5): T5 {
  const [n, , , , ch] = x.shape
  const pooled = tf.mean(x, [1, 2, 3]) as tf.Tensor2D
  const hidden = tf.relu(tf.matMul(pooled, get(w, `${name}/w1`) as tf.Tensor2D))
  const gate = tf.sigmoid(tf.matMul(hidden, get(w, `${name}/w2`) as tf.Tensor2D))
  return tf.mul(x, tf.reshape(gate, [n, 1, 1, 1, ch])) as T5
}

function residualBlock(w: Weights, name: string, x: T5): T5 {
  let h = tf.elu(instanceNorm(w, `${name}/norm1`, convB(w, `${name}/conv1`, x))) as T5
  h = instanceNorm(w, `${name}/norm2`, convB(w, `${name}/conv2`, h))
  h = squeezeExcite(w, `${name}/se`, h)
  const shortcut = w.has(`${name}/skip/w`) ? convB(w, `${name}/skip`, x) : x
  return tf.elu(tf.add(h, shortcut)) as T5
}

/** Logits [N, D, H, W, channels] for a normalised input [N, D, H, W, 1]. */
export function forward(c: ModelConfig, w: Weights, x: T5): T5 {
  const skips: T5[] = []
  let h = x
  for (let l = 0; l < c.depth; l++) {
    h = residualBlock(w, `down${l}`, h)
    if (l < c.depth - 1) {
      skips.push(h)
      h = maxPoolHW(h)
    }
  }
  for (let l = c.depth - 2; l >= 0; l--) {
    h = tf.concat([upsampleHW(h), skips[l]!], 4) as T5
    h = residualBlock(w, `up${l}`, h)
  }
  return convB(w, 'head', h)
}

export function parameterCount(w: Weights): number {
  let n = 0
  for (const v of w.values()) n += v.size
  return n
}
