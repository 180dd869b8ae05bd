import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  defaultConfig,
  disposeWeights,
  forward,
  initWeights,
  needsCheckpointing,
  segmentationLoss,
} from '../../../src-main/engine/model/index.ts'
import { initTensorEngine, tf } from '../../../src-main/engine/tensor/index.ts'

test('a checkpointed training step has the gradients of the plain one', async () => {
  await initTensorEngine({ backend: 'wasm' })
  const config = defaultConfig('synapse', { width: 4, depth: 3, window: [4, 16, 16] })
  const weights = initWeights(config, 7)
  const x = tf.randomNormal([2, 4, 16, 16, 1], 0, 1, 'float32', 1) as tf.Tensor5D
  const y = tf.cast(tf.greater(tf.randomUniform([2, 4, 16, 16, 3], 0, 1, 'float32', 2), 0.8), 'float32')
  const mask = tf.ones([3]) as tf.Tensor1D
  const grads = (checkpoint: boolean): Map<string, Float32Array> => {
    const { grads: g } = tf.variableGrads(
      () =>
        segmentationLoss(forward(config, weights, x, { checkpoint }), y as tf.Tensor5D, mask, 2) as tf.Scalar,
      [...weights.values()],
    )
    const out = new Map(Object.entries(g).map(([k, t]) => [k, t.dataSync() as Float32Array]))
    tf.dispose(Object.values(g))
    return out
  }
  const plain = grads(false)
  const checkpointed = grads(true)
  // The biases of the convolutions into an instance norm get no gradient (the norm cancels them).
  assert.deepEqual(
    [...weights.keys()].filter((n) => !plain.has(n)),
    [...weights.keys()].filter((n) => /\/conv[12]\/b$/.test(n)),
  )
  assert.equal(checkpointed.size, plain.size)
  for (const [name, want] of plain) {
    const got = checkpointed.get(name)!
    const scale = Math.max(1e-3, ...want.map(Math.abs))
    for (let i = 0; i < want.length; i++)
      assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-4 * scale, `${name}[${i}]: ${got[i]} vs ${want[i]}`)
  }
  disposeWeights(weights)
  tf.dispose([x, y, mask])
})

test('checkpointing is chosen by the step’s memory: not for the default batch, yes for large windows', () => {
  assert.equal(needsCheckpointing(defaultConfig('mito'), 2), false)
  assert.equal(needsCheckpointing(defaultConfig('mito'), 4), false)
  assert.equal(needsCheckpointing(defaultConfig('mito', { window: [16, 128, 128] }), 1), true)
  assert.equal(needsCheckpointing(defaultConfig('mito', { width: 8, window: [16, 128, 128] }), 1), false)
})

test('the same seed, 0 included, gives the same initial weights', async () => {
  await initTensorEngine({ backend: 'wasm' })
  const config = defaultConfig('mito', { width: 4, depth: 2, window: [4, 16, 16] })
  const values = async (seed: number): Promise<Float32Array[]> => {
    const w = initWeights(config, seed)
    const out = await Promise.all([...w.values()].map((v) => v.data() as Promise<Float32Array>))
    disposeWeights(w)
    return out
  }
  // tfjs reads a seed of 0 as none: the first tensor would come from Math.random.
  assert.deepEqual(await values(0), await values(0))
  assert.notDeepEqual(await values(0), await values(1))
})

test('a bias into an instance norm changes nothing: the forward is the same with those biases moved', async () => {
  await initTensorEngine({ backend: 'wasm' })
  const config = defaultConfig('synapse', { width: 4, depth: 2, window: [4, 16, 16] })
  const weights = initWeights(config, 5)
  const x = tf.randomNormal([1, 4, 16, 16, 1], 0, 1, 'float32', 3) as tf.Tensor5D
  const before = tf.tidy(() => forward(config, weights, x).dataSync() as Float32Array)
  const absorbed = [...weights.keys()].filter((n) => /\/conv[12]\/b$/.test(n))
  assert.equal(absorbed.length, 2 * 3)
  for (const n of absorbed) weights.get(n)!.assign(tf.fill(weights.get(n)!.shape, 5))
  const after = tf.tidy(() => forward(config, weights, x).dataSync() as Float32Array)
  assert.deepEqual(after, before)
  // While the skip and head biases do count.
  weights.get('head/b')!.assign(tf.fill(weights.get('head/b')!.shape, 5))
  const moved = tf.tidy(() => forward(config, weights, x).dataSync() as Float32Array)
  assert.notDeepEqual(moved, before)
  disposeWeights(weights)
  x.dispose()
})
