import { messageOf } from '../../engine/errors.ts'
import {
  defaultConfig,
  disposeWeights,
  forward,
  initWeights,
  segmentationLoss,
} from '../../engine/model/index.ts'
import { createRng } from '../../engine/random.ts'
import { adapterLine, checkDevice, initTensorEngine, probeWebGpu, tf } from '../../engine/tensor/index.ts'
import { fastestOf, round } from './measure.ts'

const WEBGPU_BENCH = {
  hardware: { width: 8, depth: 3, window: [8, 64, 64] as [number, number, number] },
  // A software adapter (SwiftShader, llvmpipe) takes about 1 s for one 3x3 convolution of 8x64x64x8 on
  // two cores, 25 s for the hardware row's forward and 2 min for its step: this keeps the row to ~40 s.
  software: { width: 4, depth: 2, window: [4, 32, 32] as [number, number, number] },
  iso: 1,
  repeats: 3,
}

/**
 * The webgpu backend against wasm in this process, on a small U-Net (width 8, depth 3, one 1x8x64x64
 * window; width 4, depth 2, 1x4x32x32 on a software adapter): forward and one training step, the fastest
 * of 3 after a warm-up (which compiles the shaders) on each, with the same weights and input on both, so
 * the forward outputs are compared too (max_abs_diff). One line saying why when webgpu does not start.
 */
export async function benchWebGpu(): Promise<void> {
  try {
    await initTensorEngine({ backend: 'webgpu' })
  } catch (e) {
    const line = { name: 'webgpu_vs_wasm_unet', ok: false, error: messageOf(e).split('\n')[0] }
    process.stdout.write(`${JSON.stringify(line)}\n`)
    return
  }
  const probe = await probeWebGpu()
  const adapter = probe.adapter ? adapterLine(probe.adapter) : probe.detail
  const software = probe.adapter?.software ?? false
  const { iso, repeats } = WEBGPU_BENCH
  const { width, depth, window } = software ? WEBGPU_BENCH.software : WEBGPU_BENCH.hardware
  const config = defaultConfig('mito', { width, depth, isotropicFromLevel: iso, window })
  const shape = [1, ...window, 1] as [number, number, number, number, number]
  const n = window.reduce((a, b) => a * b, 1)
  const rng = createRng(41)
  const xData = Float32Array.from({ length: n }, () => rng.normal())
  const yData = Float32Array.from({ length: n }, () => (rng.range(0, 1) < 0.1 ? 1 : 0))
  const tag = window.join('x')
  const measure = async (
    backend: 'webgpu' | 'wasm',
  ): Promise<{ forward: number; step: number; output: Float32Array }> => {
    await initTensorEngine({ backend })
    const weights = initWeights(config, 1)
    const x = tf.tensor5d(xData, shape)
    const y = tf.tensor5d(yData, shape)
    const mask = tf.tensor1d([1])
    const optimizer = tf.train.adam(1e-3)
    const vars = [...weights.values()]
    const fastest = (fn: () => Promise<unknown>): Promise<number> => fastestOf(repeats, fn)
    const forwardOnce = async (): Promise<Float32Array> => {
      const p = tf.tidy(() => tf.sigmoid(forward(config, weights, x)))
      try {
        return (await p.data()) as Float32Array
      } finally {
        p.dispose()
      }
    }
    const trainStep = async (): Promise<void> => {
      const loss = tf.tidy(() =>
        optimizer.minimize(() => segmentationLoss(forward(config, weights, x), y, mask, 1), true, vars)!,
      )
      await loss.data()
      loss.dispose()
    }
    try {
      // The warm-up output, before any step moves the weights: the same on both backends.
      const output = await forwardOnce()
      const fwd = await fastest(forwardOnce)
      await trainStep()
      const step = await fastest(trainStep)
      if (backend === 'webgpu') checkDevice()
      return { forward: fwd, step, output }
    } finally {
      optimizer.dispose()
      disposeWeights(weights)
      tf.dispose([x, y, mask])
    }
  }
  const gpu = await measure('webgpu')
  const cpu = await measure('wasm')
  let diff = 0
  for (let i = 0; i < cpu.output.length; i++) diff = Math.max(diff, Math.abs(cpu.output[i]! - gpu.output[i]!))
  const line = (name: string, ours: number, theirs: number, extra: object = {}) => ({
    name,
    ours_s: round(ours),
    peer: 'wasm',
    peer_s: round(theirs),
    ratio: round(ours / theirs),
    adapter,
    software,
    width,
    depth,
    ...extra,
  })
  const forwardLine = line(`webgpu_vs_wasm_unet_forward_1x${tag}`, gpu.forward, cpu.forward, {
    max_abs_diff: Number(diff.toPrecision(3)),
  })
  process.stdout.write(`${JSON.stringify(forwardLine)}\n`)
  process.stdout.write(
    `${JSON.stringify(line(`webgpu_vs_wasm_unet_train_step_1x${tag}`, gpu.step, cpu.step))}\n`,
  )
}
