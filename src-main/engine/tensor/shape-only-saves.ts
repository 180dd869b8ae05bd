/**
 * Training memory on wasm: tfjs saves whole input tensors for the backward pass of kernels whose
 * gradient reads only their shapes (Add, Sub, Reshape, Slice, PadV2, Sum, Mean with our gradient
 * functions). Those references keep ~940 MB of activations alive in a 16x128x128 U-Net step (of 1.46
 * GB saved in all), in a heap that cannot pass 4 GB. For those kernels the engine saves a stand-in
 * instead: a tensor of the same shape and dtype over a 4-byte buffer of its own. Only where the active
 * backend is wasm (the one whose memory is short, and whose Identity shares buffers, see
 * kernels/slice-sum.ts) and only while our gradient for the kernel is the registered one.
 */
import * as tf from '@tensorflow/tfjs-core'
import { GRADIENTS } from './gradients.ts'

/** Kernels whose gradient functions (gradients-math.ts, gradients-shape.ts) use nothing of a saved tensor but its shape. */
export const SHAPE_ONLY = new Set(['Add', 'Sub', 'Reshape', 'Slice', 'PadV2', 'Sum', 'Mean'])

interface EngineInternals {
  backendName: string
  backend: tf.KernelBackend
  getTensorsForGradient(kernelName: string, inputs: unknown, outputs: tf.Tensor[]): tf.Tensor[] | null
  makeTensorFromDataId(dataId: object, shape: number[], dtype: tf.DataType): tf.Tensor
}

const PATCHED = Symbol.for('activeem.shapeOnlySaves')
const ours = new Map(GRADIENTS.map((g) => [g.kernelName, g]))

function standIn(engine: EngineInternals, t: tf.Tensor): tf.Tensor {
  const dataId = engine.backend.write(new Float32Array(1), [1], 'float32')
  return engine.makeTensorFromDataId(dataId, [...t.shape], t.dtype)
}

export function installShapeOnlySaves(): void {
  const engine = tf.engine() as unknown as EngineInternals & Record<symbol, boolean>
  if (engine[PATCHED]) return
  engine[PATCHED] = true
  const original = engine.getTensorsForGradient.bind(engine)
  engine.getTensorsForGradient = (kernelName, inputs, outputs) => {
    const tensors = original(kernelName, inputs, outputs)
    if (
      !tensors ||
      engine.backendName !== 'wasm' ||
      !SHAPE_ONLY.has(kernelName) ||
      tf.getGradient(kernelName) !== ours.get(kernelName)
    )
      return tensors
    return tensors.map((t) => (t.dtype === 'float32' ? standIn(engine, t) : t))
  }
}
