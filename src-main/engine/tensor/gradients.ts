/**
 * Gradient functions for the kernels a segmentation network uses.
 *
 * `@tensorflow/tfjs-core`'s Node entry (the CommonJS bundle that Node and tsx load) registers no
 * gradients: upstream ships them only as ES modules under `dist/gradients/`, registered by the
 * `@tensorflow/tfjs` union package, and those files cannot be imported in Node (extensionless and
 * ambiguous specifiers such as `./gradients`). Without them `tf.grad` fails with "gradient function
 * not found". These are ports of upstream's gradient configs (Apache-2.0, tfjs-core 4.22), written
 * against the public API. Registered only where none is registered yet, so the upstream ones win when
 * `@tensorflow/tfjs` is loaded (tfjs-node-gpu brings it).
 *
 * Tile's gradient is generalised to any rank (upstream stops at rank 4).
 */
import * as tf from '@tensorflow/tfjs-core'
import { LAYER_GRADIENTS } from './gradients-layers.ts'
import { MATH_GRADIENTS } from './gradients-math.ts'
import { SHAPE_GRADIENTS } from './gradients-shape.ts'

export const GRADIENTS: tf.GradConfig[] = [...MATH_GRADIENTS, ...SHAPE_GRADIENTS, ...LAYER_GRADIENTS]

/** Registers every gradient above that no one registered yet. Returns the names registered now. */
export function registerGradients(): string[] {
  const registered: string[] = []
  for (const config of GRADIENTS) {
    if (tf.getGradient(config.kernelName)) continue
    tf.registerGradient(config)
    registered.push(config.kernelName)
  }
  return registered
}
