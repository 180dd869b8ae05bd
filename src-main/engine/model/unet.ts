import { conv3d, maxPoolHW, tf, upsampleHW } from '../tensor/index.ts'
import { channelsOf, kernelAt, type ModelConfig } from './config.ts'
import { initParameters } from './init.ts'

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
  return initParameters(
    parameterSpecs(c),
    seed,
    (spec) => {
      const fanIn = spec.shape.slice(0, -1).reduce((a, b) => a * b, 1)
      const fanOut = spec.shape.at(-1)!
      return spec.init === 'he' ? Math.sqrt(2 / fanIn) : Math.sqrt(2 / (fanIn + fanOut))
    },
    true,
  )
}

function get(w: Weights, name: string): tf.Variable {
  const v = w.get(name)
  if (!v) throw new Error(`missing weight ${name}`)
  return v
}

function convB(w: Weights, name: string, x: T5): T5 {
  return tf.add(conv3d(x, get(w, `${name}/w`) as unknown as T5), get(w, `${name}/b`)) as T5
}

/**
 * A convolution whose output goes straight into an instance norm: its bias is left out, since the
 * norm subtracts each channel's mean and so any bias with it (the same function, a pass over the
 * tensor less each way). The bias stays among the weights (saved files, PyTorch imports) unused.
 */
function convIntoNorm(w: Weights, name: string, x: T5): T5 {
  return conv3d(x, get(w, `${name}/w`) as unknown as T5) as T5
}

/** The biases convIntoNorm leaves out: no gradient reaches them. */
function absorbedByNorm(name: string): boolean {
  return /\/conv[12]\/b$/.test(name)
}

/**
 * Instance normalisation over z, y, x per channel: batch-size-1 friendly and window-size agnostic.
 * Folded into one scale and one shift per channel so only two full-size tensors are made; a `gate`
 * per channel (squeeze-and-excitation's) multiplies both, so gating costs no pass of its own.
 */
function instanceNorm(w: Weights, name: string, x: T5, gate?: tf.Tensor1D): T5 {
  const { mean, variance } = tf.moments(x, [1, 2, 3], true)
  const beta = get(w, `${name}/beta`)
  let scale = tf.mul(tf.rsqrt(tf.add(variance, 1e-5)), get(w, `${name}/gamma`))
  if (gate) scale = tf.mul(scale, gate)
  const shift = tf.sub(gate ? tf.mul(beta, gate) : beta, tf.mul(mean, scale))
  return tf.add(tf.mul(x, scale), shift) as T5
}

/**
 * Instance norm then squeeze-and-excitation, in one pass over the tensor. The squeeze of an
 * instance-normalised tensor is its beta, exactly (each channel's mean over z, y, x is beta by
 * construction), so the gate needs no pass over the tensor and folds into the norm's scale and
 * shift: one multiply-add instead of two means and two multiplies more, with the same function and
 * gradients (the squeeze's gradient with respect to the tensor is zero there too).
 */
function normExcite(w: Weights, norm: string, se: string, x: T5): T5 {
  const ch = x.shape[4]
  const pooled = tf.reshape(get(w, `${norm}/beta`), [1, ch]) as tf.Tensor2D
  const hidden = tf.relu(tf.matMul(pooled, get(w, `${se}/w1`) as tf.Tensor2D))
  const gate = tf.reshape(tf.sigmoid(tf.matMul(hidden, get(w, `${se}/w2`) as tf.Tensor2D)), [ch])
  return instanceNorm(w, norm, x, gate as tf.Tensor1D)
}

/**
 * A block in its own tidy scope: the tensors its gradient needs are kept by the tape, everything else
 * it makes is freed at once instead of living until the whole backward pass ends.
 */
function plainBlock(w: Weights, name: string, x: T5): T5 {
  return tf.tidy(() => residualBlock(w, name, x))
}

function residualBlock(w: Weights, name: string, x: T5): T5 {
  let h = tf.elu(instanceNorm(w, `${name}/norm1`, convIntoNorm(w, `${name}/conv1`, x))) as T5
  h = normExcite(w, `${name}/norm2`, `${name}/se`, convIntoNorm(w, `${name}/conv2`, h))
  const shortcut = w.has(`${name}/skip/w`) ? convB(w, `${name}/skip`, x) : x
  return tf.elu(tf.add(h, shortcut)) as T5
}

/**
 * tfjs' engine keeps one active tape: gradients computed inside a gradient function (our recompute)
 * start a fresh one and drop it when done, which would also drop the outer backward pass's tape.
 * Put the outer tape back afterwards so the outer pass finishes and frees its saved tensors.
 */
function withOuterTapeKept<T>(f: () => T): T {
  const engine = tf.engine() as unknown as { state: { activeTape: unknown } }
  const outer = engine.state.activeTape
  try {
    return f()
  } finally {
    engine.state.activeTape = outer
  }
}

/**
 * A residual block whose inner activations are not kept for the backward pass but recomputed there
 * (gradient checkpointing): one more forward per block buys ~2x less memory (1.0 against 1.9 GB of
 * wasm heap for a 1x16x128x128 width-16 step), which is what lets large windows and batches train
 * inside wasm's 4 GB heap.
 */
function checkpointedBlock(w: Weights, name: string, x: T5): T5 {
  // tf.grads refuses inputs that no gradient reaches.
  const names = [...w.keys()].filter((n) => n.startsWith(`${name}/`) && !absorbedByNorm(n))
  const run = (inputs: tf.Tensor[]): T5 =>
    residualBlock(new Map(names.map((n, i) => [n, inputs[i + 1] as tf.Variable])), name, inputs[0] as T5)
  const block = tf.customGrad((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc
    const inputs = args as tf.Tensor[]
    save(inputs)
    return {
      value: run(inputs),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        withOuterTapeKept(() => tf.grads((...xs: tf.Tensor[]) => run(xs))(saved, dy as tf.Tensor)),
    }
  })
  return block(x, ...names.map((n) => get(w, n))) as T5
}

/** wasm heap per voxel of a batch times the base width, for a training step without checkpointing (measured: 1.9 GB for 1 x 16x128x128 at width 16). */
const STEP_BYTES_PER_VOXEL_WIDTH = 460
/** What a step may take of the 4 GB wasm heap; the volume, the model and the optimizer need the rest. */
const STEP_BUDGET_BYTES = 1.5e9

/** Whether a training step of `batch` windows needs gradient checkpointing to fit the heap. */
export function needsCheckpointing(c: ModelConfig, batch: number): boolean {
  const voxels = batch * c.window[0] * c.window[1] * c.window[2]
  return voxels * c.width * STEP_BYTES_PER_VOXEL_WIDTH > STEP_BUDGET_BYTES
}

/** Logits [N, D, H, W, channels] for a normalised input [N, D, H, W, 1]. */
export function forward(c: ModelConfig, w: Weights, x: T5, options: { checkpoint?: boolean } = {}): T5 {
  const residualBlock = options.checkpoint ? checkpointedBlock : plainBlock
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
