import { tf, tfSeed } from '../tensor/index.ts'

/** One parameter of a network: its name, its shape, and how it starts. */
export interface ParameterSpec {
  name: string
  shape: number[]
  init: string
}

/**
 * A variable per spec, in order: 'zeros' and 'ones' as they say, the others truncated normal with the
 * standard deviation `std` gives, each drawn with the next seed from `seed` on (so a config and a seed
 * always give the same weights). `named` registers each variable under its spec's name.
 */
export function initParameters<S extends ParameterSpec>(
  specs: S[],
  seed: number,
  std: (spec: S) => number,
  named: boolean,
): Map<string, tf.Variable> {
  const weights = new Map<string, tf.Variable>()
  let s = seed
  for (const spec of specs) {
    const value = tf.tidy(() => {
      if (spec.init === 'zeros') return tf.zeros(spec.shape)
      if (spec.init === 'ones') return tf.ones(spec.shape)
      return tf.truncatedNormal(spec.shape, 0, std(spec), 'float32', tfSeed(s++))
    })
    weights.set(spec.name, tf.variable(value, true, named ? spec.name : undefined))
    value.dispose()
  }
  return weights
}
