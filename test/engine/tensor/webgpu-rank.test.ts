import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  foldBroadcast,
  foldPad,
  foldReduce,
  foldTranspose,
} from '../../../src-main/engine/tensor/kernels/webgpu-rank.ts'
import { initTensorEngine, tf } from '../../../src-main/engine/tensor/index.ts'
import { skipWithout, useTestAdapter } from '../../helpers/webgpu.ts'

const missing = useTestAdapter()

test('folding keeps row-major meaning: pads, transposes, reductions and broadcasts', () => {
  assert.deepEqual(
    foldPad(
      [2, 3, 4, 5, 6],
      [
        [0, 0],
        [1, 2],
        [0, 0],
        [0, 0],
        [0, 0],
      ],
    ),
    {
      shape: [2, 360],
      paddings: [
        [0, 0],
        [120, 240],
      ],
    },
  )
  assert.deepEqual(foldTranspose([2, 3, 4, 5, 6], [0, 3, 4, 1, 2]), { shape: [2, 12, 30], perm: [0, 2, 1] })
  assert.deepEqual(foldTranspose([2, 1, 4, 1, 6], [4, 3, 2, 1, 0]), { shape: [2, 4, 6], perm: [2, 1, 0] })
  assert.deepEqual(foldReduce([2, 3, 4, 5, 6], [1, 2, 3]), { shape: [2, 60, 6], axes: [1] })
  assert.deepEqual(foldBroadcast([2, 3, 4, 5, 6], [6]), { a: [120, 6], b: [1, 6], out: [120, 6] })
  assert.equal(foldBroadcast([2, 3], [4]), null)
})

/** Each op on a rank-5 tensor: webgpu (through the folding wrappers) against cpu, value for value. */
test('rank-5 ops that upstream webgpu gets wrong equal the cpu backend', async (t) => {
  if (skipWithout(t, missing)) return
  const shape: [number, number, number, number, number] = [2, 3, 4, 5, 6]
  const values = Float32Array.from({ length: 720 }, (_, i) => Math.sin(i * 0.37) * 3)
  const short = Float32Array.from({ length: 6 }, (_, i) => i - 2.5)
  const cases: Array<[string, (x: tf.Tensor5D) => tf.Tensor]> = [
    [
      'pad one axis',
      (x) =>
        tf.pad(x, [
          [0, 0],
          [1, 2],
          [0, 0],
          [0, 0],
          [0, 0],
        ]),
    ],
    [
      'pad every axis',
      (x) =>
        tf.pad(
          x,
          [
            [1, 0],
            [0, 1],
            [2, 0],
            [1, 1],
            [0, 2],
          ],
          0.5,
        ),
    ],
    ['transpose', (x) => tf.transpose(x, [0, 3, 4, 1, 2])],
    ['transpose reversing', (x) => tf.transpose(x, [4, 3, 2, 1, 0])],
    ['sum over the middle', (x) => tf.sum(x, [1, 2, 3])],
    ['mean alternating, kept', (x) => tf.mean(x, [1, 3], true)],
    ['max over the last two', (x) => tf.max(x, [3, 4])],
    ['full sum', (x) => tf.sum(x)],
    ['full mean', (x) => tf.mean(x)],
    ['add a short operand', (x) => tf.add(x, tf.tensor1d(short))],
    ['multiply by a short operand', (x) => tf.mul(tf.tensor1d(short), x)],
    ['divide by a per-sample scale', (x) => tf.div(x, tf.tensor5d([2, 4], [2, 1, 1, 1, 1]))],
    [
      'broadcast both ways',
      (x) =>
        tf.mul(
          tf.reshape(tf.slice(x, [0, 0, 0, 0, 0], [2, 1, 4, 1, 6]), [8, 1, 1, 1, 6]),
          tf.ones([1, 2, 1, 2, 1]),
        ),
    ],
  ]
  const run = async (backend: 'cpu' | 'webgpu'): Promise<Array<{ shape: number[]; data: Float32Array }>> => {
    await initTensorEngine({ backend })
    assert.equal(tf.getBackend(), backend)
    const out = []
    for (const [, op] of cases) {
      const y = tf.tidy(() => op(tf.tensor5d(values, shape)))
      out.push({ shape: y.shape, data: (await y.data()) as Float32Array })
      y.dispose()
    }
    return out
  }
  const cpu = await run('cpu')
  const gpu = await run('webgpu')
  cases.forEach(([name], i) => {
    assert.deepEqual(gpu[i]!.shape, cpu[i]!.shape, `${name}: shape`)
    const scale = Math.max(1, ...cpu[i]!.data.map(Math.abs))
    cpu[i]!.data.forEach((v, j) =>
      assert.ok(Math.abs(gpu[i]!.data[j]! - v) <= 1e-5 * scale, `${name}[${j}]: ${gpu[i]!.data[j]} vs ${v}`),
    )
  })
})
