import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { partition } from '../../../src-main/engine/tensor/kernels/parallel-conv.ts'
import { kernelThreads } from '../../../src-main/engine/tensor/parallel/threads.ts'
import { initTensorEngine, tf } from '../../../src-main/engine/tensor/index.ts'

/** Large enough (>= 2e7 multiply-adds) that the kernels split over the threads. */
const X = [6, 24, 24, 40]
const K = [3, 3, 40, 32]

function values(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1)
  return tf.tensor(
    Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.731 + seed) * 0.5),
    shape,
  )
}

async function convolutions(threads: number): Promise<Float32Array[]> {
  await initTensorEngine({ backend: 'wasm', threads })
  assert.equal(kernelThreads().length, threads - 1)
  const outs = tf.tidy(() => {
    const x = values(X, 1) as tf.Tensor4D
    const w = values(K, 2) as tf.Tensor4D
    const strided = tf.conv2d(x, w, 2, 'same')
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))),
    )([x, w])
    return [tf.conv2d(x, w, 1, 'same'), strided, dx!, dw!]
  })
  const data = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array))
  tf.dispose(outs)
  return data
}

before(async () => {
  await initTensorEngine({ backend: 'wasm', threads: 1 })
})

after(async () => {
  await initTensorEngine({ backend: 'wasm', threads: 1 })
})

test('batch parts: in proportion to speed, none empty, all rows given', () => {
  assert.deepEqual(partition(16, [1, 1]), [8, 8])
  assert.deepEqual(partition(7, [1, 1, 1]), [2, 3, 2])
  assert.deepEqual(partition(2, [1, 1, 1, 1]), [1, 1])
  assert.deepEqual(partition(16, [3, 1]), [12, 4])
  assert.deepEqual(partition(4, [100, 1, 1]), [2, 1, 1])
  for (const [n, s] of [
    [16, [0.7, 1.3]],
    [5, [1, 9]],
    [9, [2, 0.01, 5]],
  ] as const) {
    const rows = partition(n, [...s])
    assert.equal(
      rows.reduce((a, b) => a + b, 0),
      n,
    )
    assert.ok(rows.every((r) => r >= 1))
  }
})

/** Parts equal the single-threaded results: bit for bit, the filter gradient (a sum over the batch) within rounding. */
function assertSameResults(one: Float32Array[], split: Float32Array[]): void {
  const names = ['conv2d', 'strided conv2d', 'input gradient', 'filter gradient']
  for (let k = 0; k < one.length; k++) {
    if (names[k] !== 'filter gradient') {
      // Every batch item is computed by the same kernel on the same values: bit for bit.
      assert.deepEqual(split[k], one[k], names[k])
      continue
    }
    // Filter gradients are sums over the batch, added in another order.
    let scale = 1
    let diff = 0
    for (let i = 0; i < one[k]!.length; i++) {
      scale = Math.max(scale, Math.abs(one[k]![i]!))
      diff = Math.max(diff, Math.abs(split[k]![i]! - one[k]![i]!))
    }
    assert.ok(diff <= 1e-5 * scale, `${names[k]}: max diff ${diff} at scale ${scale}`)
  }
}

test('convolutions and their gradients split over 3 threads equal the single-threaded ones', async () => {
  assertSameResults(await convolutions(1), await convolutions(3))
})

test('a rejected call leaks no buffers and leaves the threads usable', async () => {
  await initTensorEngine({ backend: 'wasm', threads: 2 })
  const before = tf.backend().numDataIds()
  assert.throws(() =>
    tf.tidy(() =>
      tf.conv2d(values(X, 1) as tf.Tensor4D, values([3, 3, 41, 32], 2) as tf.Tensor4D, 1, 'same'),
    ),
  )
  assert.equal(tf.backend().numDataIds(), before)
  const [y] = await convolutions(2)
  assert.ok(y!.every(Number.isFinite))
})

test('a thread woken without a request answers the next request as itself', async () => {
  const x = values(X, 1) as tf.Tensor4D
  const w = values(K, 2) as tf.Tensor4D
  const conv = (): Float32Array => tf.tidy(() => tf.conv2d(x, w, 1, 'same').dataSync() as Float32Array)
  await initTensorEngine({ backend: 'wasm', threads: 1 })
  const expected = conv()
  await initTensorEngine({ backend: 'wasm', threads: 2 })
  const [thread] = kernelThreads()
  // Woken with nothing posted (as a spurious wake-up would), then a request at once: it arrives while
  // the thread may still be looking for the first one, and must be answered under its own number.
  thread!.nudge()
  assert.deepEqual(conv(), expected)
  // Woken while idle, the next request some time later.
  thread!.nudge()
  await new Promise((resolve) => setTimeout(resolve, 1200))
  assert.deepEqual(conv(), expected)
  tf.dispose([x, w])
})
