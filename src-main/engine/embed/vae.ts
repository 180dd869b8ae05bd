/**
 * The two streams' variational autoencoders (Lin et al., ECCV 2020, Sec. 4.1): a convolutional encoder of
 * stride-2 convolutions with group norm and SiLU (as the authors' release has it), fully connected mean and
 * log-variance, and a transposed-convolution decoder back to the patch. Loss: L1 reconstruction (the
 * paper; MSE as the release has it is an option) plus a weighted KL term. The feature of a patch is the
 * mean vector. Written with plain tfjs ops on named variables, like the base model, so the wasm engine's
 * fast convolution kernels do the work.
 */
import { InputError } from '../errors.ts'
import { initParameters } from '../model/index.ts'
import { tf } from '../tensor/index.ts'

export type VaeKind = 'mask' | 'image'

export interface VaeConfig {
  kind: VaeKind
  /** Side of the square input patch; a multiple of 2^levels. */
  size: number
  latent: number
  /** Channels of the first convolution; doubled at every level. */
  width: number
  levels: number
  loss: 'l1' | 'mse'
  klWeight: number
}

export const VAE_DEFAULTS: Record<VaeKind, Omit<VaeConfig, 'size'>> = {
  mask: { kind: 'mask', latent: 20, width: 16, levels: 4, loss: 'l1', klWeight: 1e-4 },
  image: { kind: 'image', latent: 64, width: 16, levels: 4, loss: 'l1', klWeight: 1e-4 },
}

export function validateVaeConfig(c: VaeConfig): void {
  const step = 2 ** c.levels
  if (!Number.isInteger(c.size) || c.size % step !== 0 || c.size < step * 2)
    throw new InputError(`VAE: patch size ${c.size} must be a multiple of ${step} and at least ${step * 2}`)
  if (!Number.isInteger(c.latent) || c.latent < 2 || c.latent > 4096)
    throw new InputError(`VAE: latent size must be an integer from 2 to 4096, got ${c.latent}`)
  if (!Number.isInteger(c.width) || c.width < 2 || c.width > 256)
    throw new InputError(`VAE: width must be an integer from 2 to 256, got ${c.width}`)
  if (!(c.klWeight >= 0)) throw new InputError(`VAE: KL weight must be >= 0, got ${c.klWeight}`)
}

export type VaeWeights = Map<string, tf.Variable>

interface Spec {
  name: string
  shape: number[]
  init: 'he' | 'zeros' | 'ones' | 'small'
}

function channels(c: VaeConfig, level: number): number {
  return c.width * 2 ** level
}

/** Side and channels of the innermost feature map. */
function bottom(c: VaeConfig): { side: number; ch: number; flat: number } {
  const side = c.size / 2 ** c.levels
  const ch = channels(c, c.levels - 1)
  return { side, ch, flat: side * side * ch }
}

export function vaeParameterSpecs(c: VaeConfig): Spec[] {
  const specs: Spec[] = []
  const norm = (name: string, ch: number): void => {
    specs.push({ name: `${name}/gamma`, shape: [ch], init: 'ones' })
    specs.push({ name: `${name}/beta`, shape: [ch], init: 'zeros' })
  }
  let cin = 1
  for (let l = 0; l < c.levels; l++) {
    const cout = channels(c, l)
    specs.push({ name: `enc${l}/w`, shape: [3, 3, cin, cout], init: 'he' })
    specs.push({ name: `enc${l}/b`, shape: [cout], init: 'zeros' })
    norm(`enc${l}/norm`, cout)
    cin = cout
  }
  const { flat } = bottom(c)
  specs.push({ name: 'mu/w', shape: [flat, c.latent], init: 'small' })
  specs.push({ name: 'mu/b', shape: [c.latent], init: 'zeros' })
  specs.push({ name: 'logvar/w', shape: [flat, c.latent], init: 'small' })
  specs.push({ name: 'logvar/b', shape: [c.latent], init: 'zeros' })
  specs.push({ name: 'dec_fc/w', shape: [c.latent, flat], init: 'he' })
  specs.push({ name: 'dec_fc/b', shape: [flat], init: 'zeros' })
  for (let l = c.levels - 1; l >= 0; l--) {
    const ch = channels(c, l)
    const out = l === 0 ? 1 : channels(c, l - 1)
    // conv2dTranspose filters are [h, w, out, in].
    specs.push({ name: `dec${l}/w`, shape: [3, 3, out, ch], init: 'he' })
    specs.push({ name: `dec${l}/b`, shape: [out], init: 'zeros' })
    if (l > 0) norm(`dec${l}/norm`, out)
  }
  return specs
}

export function initVaeWeights(c: VaeConfig, seed: number): VaeWeights {
  return initParameters(
    vaeParameterSpecs(c),
    seed,
    (spec) => {
      const fanIn =
        spec.name.startsWith('dec') && spec.shape.length === 4
          ? spec.shape[0]! * spec.shape[1]! * spec.shape[3]!
          : spec.shape.slice(0, -1).reduce((a, b) => a * b, 1)
      // The mean and log-variance heads start near zero: a VAE whose first KL is huge learns nothing.
      return spec.init === 'small' ? 0.01 / Math.sqrt(fanIn) : Math.sqrt(2 / fanIn)
    },
    false,
  )
}

function get(w: VaeWeights, name: string): tf.Tensor {
  const v = w.get(name)
  if (!v) throw new Error(`VAE: missing weight ${name}`)
  return v
}

/** Group norm (groups of up to 8 channels' worth, at most 8 groups): batch-size independent. */
function groupNorm(w: VaeWeights, name: string, x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, wd, c] = x.shape
  const groups = Math.min(8, c)
  const g = tf.reshape(x, [n, h, wd, groups, c / groups])
  const { mean, variance } = tf.moments(g, [1, 2, 4], true)
  const normed = tf.reshape(tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, 1e-5))), [n, h, wd, c])
  return tf.add(tf.mul(normed, get(w, `${name}/gamma`)), get(w, `${name}/beta`)) as tf.Tensor4D
}

function silu(x: tf.Tensor4D): tf.Tensor4D {
  return tf.mul(x, tf.sigmoid(x)) as tf.Tensor4D
}

/** Patches [N, size, size, 1] scaled to [-1, 1] -> mean and log-variance [N, latent]. */
export function encode(
  c: VaeConfig,
  w: VaeWeights,
  x: tf.Tensor4D,
): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
  let h = x
  for (let l = 0; l < c.levels; l++) {
    h = tf.conv2d(h, get(w, `enc${l}/w`) as tf.Tensor4D, 2, 'same')
    h = silu(groupNorm(w, `enc${l}/norm`, tf.add(h, get(w, `enc${l}/b`)) as tf.Tensor4D))
  }
  const flat = tf.reshape(h, [x.shape[0], bottom(c).flat]) as tf.Tensor2D
  const mu = tf.add(tf.matMul(flat, get(w, 'mu/w') as tf.Tensor2D), get(w, 'mu/b')) as tf.Tensor2D
  const logvar = tf.add(tf.matMul(flat, get(w, 'logvar/w') as tf.Tensor2D), get(w, 'logvar/b')) as tf.Tensor2D
  return { mu, logvar }
}

/** Latent codes [N, latent] -> patches [N, size, size, 1] in [-1, 1] (tanh). */
export function decode(c: VaeConfig, w: VaeWeights, z: tf.Tensor2D): tf.Tensor4D {
  const { side, ch } = bottom(c)
  const n = z.shape[0]
  let h = tf.reshape(tf.add(tf.matMul(z, get(w, 'dec_fc/w') as tf.Tensor2D), get(w, 'dec_fc/b')), [
    n,
    side,
    side,
    ch,
  ]) as tf.Tensor4D
  h = silu(h)
  for (let l = c.levels - 1; l >= 0; l--) {
    const out = l === 0 ? 1 : channels(c, l - 1)
    const s = h.shape[1] * 2
    h = tf.conv2dTranspose(h, get(w, `dec${l}/w`) as tf.Tensor4D, [n, s, s, out], 2, 'same')
    h = tf.add(h, get(w, `dec${l}/b`)) as tf.Tensor4D
    h = l === 0 ? (tf.tanh(h) as tf.Tensor4D) : silu(groupNorm(w, `dec${l}/norm`, h))
  }
  return h
}

/** Reconstruction + klWeight * KL, for a batch; `eps` is the reparameterisation noise [N, latent]. */
export function vaeLoss(
  c: VaeConfig,
  w: VaeWeights,
  x: tf.Tensor4D,
  eps: tf.Tensor2D,
): { loss: tf.Scalar; reconstruction: tf.Scalar; kl: tf.Scalar } {
  const { mu, logvar } = encode(c, w, x)
  const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps)) as tf.Tensor2D
  const y = decode(c, w, z)
  const diff = tf.sub(y, x)
  const reconstruction = (c.loss === 'l1' ? tf.mean(tf.abs(diff)) : tf.mean(tf.square(diff))) as tf.Scalar
  // KL(q(z|x) || N(0, I)) summed over the latent, averaged over the batch.
  const kl = tf.mul(
    -0.5,
    tf.mean(tf.sum(tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar)), 1)),
  ) as tf.Scalar
  return { loss: tf.add(reconstruction, tf.mul(c.klWeight, kl)) as tf.Scalar, reconstruction, kl }
}
