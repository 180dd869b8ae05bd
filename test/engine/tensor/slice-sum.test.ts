import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mergeSliceAxes } from '../../../src-main/engine/tensor/kernels/slice-sum.ts'
import { initTensorEngine, tf } from '../../../src-main/engine/tensor/index.ts'

/** Runs f on wasm and on cpu (whose kernels are the reference) and returns both results. */
async function both(
  f: () => tf.Tensor | tf.Tensor[],
): Promise<Array<[Float32Array, Float32Array, number[]]>> {
  await initTensorEngine({ backend: 'cpu' })
  const ref = [f()].flat()
  const refData = await Promise.all(
    ref.map(async (t) => ({ data: (await t.data()) as Float32Array, shape: t.shape })),
  )
  await initTensorEngine({ backend: 'wasm' })
  const got = [f()].flat()
  const out: Array<[Float32Array, Float32Array, number[]]> = []
  for (let i = 0; i < got.length; i++) {
    assert.deepEqual(got[i]!.shape, refData[i]!.shape)
    out.push([(await got[i]!.data()) as Float32Array, refData[i]!.data, got[i]!.shape])
  }
  ;[...ref, ...got].forEach((t) => t.dispose())
  return out
}

function input(shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1)
  return tf.tensor(
    Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 3 + (i % 7)),
    shape,
  )
}

test('axes taken whole merge into their neighbour, so a 5D channel cut is a 2D one', () => {
  assert.deepEqual(mergeSliceAxes([2, 8, 64, 64, 96], [0, 0, 0, 0, 32], [2, 8, 64, 64, 32]), [
    { dim: 65536, begin: 0, size: 65536 },
    { dim: 96, begin: 32, size: 32 },
  ])
  assert.deepEqual(mergeSliceAxes([3, 4, 5], [1, 0, 0], [1, 4, 5]), [{ dim: 60, begin: 20, size: 20 }])
})

test('rank-5 slices on wasm equal the cpu backend exactly', async () => {
  const shape = [2, 3, 5, 6, 7]
  for (const [begin, size] of [
    [
      [0, 0, 0, 0, 2],
      [-1, -1, -1, -1, 3],
    ],
    [
      [1, 1, 0, 2, 0],
      [1, 2, -1, 3, -1],
    ],
    [
      [0, 2, 4, 5, 6],
      [2, 1, 1, 1, 1],
    ],
    [
      [1, 0, 1, 0, 0],
      [1, 3, 3, 6, 7],
    ],
  ] as const) {
    for (const [got, want] of await both(() => tf.slice(input(shape), [...begin], [...size])))
      assert.deepEqual(got, want)
  }
})

test('splits along any axis (the gradient of concat) equal the cpu backend exactly', async () => {
  for (const axis of [0, 2, 4]) {
    const results = await both(() => tf.split(input([2, 3, 4, 6, 8]), axis === 4 ? [5, 3] : 2, axis))
    assert.equal(results.length, 2)
    for (const [got, want] of results) assert.deepEqual(got, want)
  }
})

test('sums over leading axes (bias and norm gradients) match the cpu backend within float32 rounding', async () => {
  for (const [axes, keepDims] of [
    [[0, 1, 2, 3], false],
    [[0, 1, 2, 3], true],
    [[0], false],
    [[0, 1, 2, 3, 4], false],
    [[1, 2, 3], true],
  ] as const) {
    for (const [got, want] of await both(() => tf.sum(input([2, 3, 5, 6, 7]), [...axes], keepDims))) {
      for (let i = 0; i < want.length; i++)
        assert.ok(
          Math.abs(got[i]! - want[i]!) <= 1e-4 * Math.max(1, Math.abs(want[i]!)),
          `axes ${axes}: ${got[i]} vs ${want[i]}`,
        )
    }
  }
})
