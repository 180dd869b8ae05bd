import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  leadingReduction,
  mergeSliceAxes,
  poolWindow,
} from '../../../src-main/engine/tensor/kernels/slice-sum.ts'
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

test('slices of every rank, contiguous or not, equal the cpu backend exactly', async () => {
  for (const [shape, begin, size] of [
    [[10], [3], [4]],
    [
      [6, 70],
      [1, 3],
      [4, 65],
    ],
    [
      [4, 5, 6],
      [1, 0, 2],
      [2, 5, 3],
    ],
    [
      [3, 4, 5, 6],
      [0, 1, 0, 0],
      [3, 2, 5, 6],
    ],
    [
      [2, 3, 2, 3, 2, 5],
      [1, 1, 0, 1, 1, 2],
      [1, 2, 2, 2, 1, 3],
    ],
  ] as const) {
    for (const [got, want] of await both(() => tf.slice(input([...shape]), [...begin], [...size])))
      assert.deepEqual(got, want)
  }
})

test('concat along every axis, of short and long rows, equals the cpu backend exactly', async () => {
  for (const axis of [0, 1, 2, 3]) {
    const a = [2, 3, 4, 5]
    const b = a.map((d, i) => (i === axis ? d + 2 : d))
    for (const [got, want] of await both(() => tf.concat([input(a), tf.mul(input(b), 2)], axis)))
      assert.deepEqual(got, want)
  }
  for (const [got, want] of await both(() => tf.concat([input([3, 100]), input([3, 70])], 1)))
    assert.deepEqual(got, want)
  for (const [got, want] of await both(() => tf.concat([input([2, 5]), tf.cast(input([2, 5]), 'int32')], 0)))
    assert.deepEqual(got, want)
})

test('identity (clone) on wasm shares the buffer and survives the original being disposed', async () => {
  await initTensorEngine({ backend: 'wasm' })
  const before = tf.backend().numDataIds()
  const a = input([4, 5])
  const b = tf.clone(a)
  assert.equal(tf.backend().numDataIds(), before + 1, 'one buffer for both')
  const want = Array.from(await a.data())
  a.dispose()
  assert.deepEqual(Array.from(await b.data()), want)
  b.dispose()
  assert.equal(tf.backend().numDataIds(), before)
})

test('means over leading axes (after axes of size 1) match the cpu backend', async () => {
  for (const [shape, axes, keepDims] of [
    [[1, 4, 6, 5, 3], [1, 2, 3], true],
    [[1, 4, 6, 5, 3], [1, 2, 3], false],
    [[7, 3], [0], false],
    [[2, 1, 3, 4], [0, 1, 2], true],
    [[13, 1, 2], [0], true],
  ] as const) {
    for (const [op, f] of [
      ['mean', tf.mean],
      ['sum', tf.sum],
    ] as const) {
      for (const [got, want] of await both(() => f(input([...shape]), [...axes], keepDims))) {
        for (let i = 0; i < want.length; i++)
          assert.ok(
            Math.abs(got[i]! - want[i]!) <= 1e-4 * Math.max(1, Math.abs(want[i]!)),
            `${op} ${shape} axes ${axes}: ${got[i]} vs ${want[i]}`,
          )
      }
    }
  }
})

test('a reduction is leading when only axes of size 1 stand before the reduced ones', () => {
  assert.deepEqual(leadingReduction([1, 16, 8, 8, 4], [1, 2, 3]), { m: 1024, rest: [1, 4] })
  assert.deepEqual(leadingReduction([2, 3, 4], [0, 1]), { m: 6, rest: [4] })
  assert.equal(leadingReduction([2, 3, 4], [1, 2]), null)
  assert.equal(leadingReduction([2, 3, 4], [0, 2]), null)
  assert.deepEqual(poolWindow(262144), [512, 512])
  assert.deepEqual(poolWindow(13), [1, 13])
  assert.deepEqual(poolWindow(24), [4, 6])
})
