import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  conv3d,
  initTensorEngine,
  setConv3dMethod,
  tf,
  type Conv3dMethod,
} from '../../../src-main/engine/tensor/index.ts'
import { skipWithout, useTestAdapter } from '../../helpers/webgpu.ts'

const missing = useTestAdapter()

/** Deterministic values in [-1, 1]. */
function values(n: number, seed: number): Float32Array {
  let s = seed
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return (s / 2 ** 31 - 0.5) * 2
  })
}

type Shape5 = [number, number, number, number, number]
const CASES: Array<{ x: Shape5; w: Shape5; stride: 1 | 2 }> = [
  { x: [2, 4, 12, 10, 3], w: [3, 3, 3, 3, 5], stride: 1 },
  { x: [1, 3, 9, 11, 4], w: [1, 3, 3, 4, 6], stride: 1 },
  { x: [1, 4, 10, 9, 2], w: [3, 3, 3, 2, 3], stride: 2 },
  { x: [1, 2, 40, 36, 33], w: [1, 3, 3, 33, 34], stride: 1 },
]

/** conv3d, and the gradients of a weighted sum of it, under one method on the active backend. */
async function run(c: (typeof CASES)[number]): Promise<Float32Array[]> {
  const x = tf.tensor5d(
    values(
      c.x.reduce((a, b) => a * b),
      1,
    ),
    c.x,
  )
  const w = tf.tensor5d(
    values(
      c.w.reduce((a, b) => a * b),
      2,
    ),
    c.w,
  )
  const y = conv3d(x, w, { strideHW: c.stride })
  const r = tf.tensor(values(y.size, 3), y.shape)
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(conv3d(a as tf.Tensor5D, b as tf.Tensor5D, { strideHW: c.stride }), r)),
  )([x, w])
  const out = [await y.data(), ...(await Promise.all(grads.map((g) => g.data())))] as Float32Array[]
  tf.dispose([x, w, y, r, ...grads])
  return out
}

for (const method of ['tiled', 'native'] as Conv3dMethod[]) {
  test(`webgpu conv3d '${method}': forward and both gradients equal the cpu backend's taps`, async (t) => {
    if (skipWithout(t, missing)) return
    await initTensorEngine({ backend: 'cpu' })
    setConv3dMethod('taps')
    const want: Float32Array[][] = []
    for (const c of CASES) want.push(await run(c))
    await initTensorEngine({ backend: 'webgpu' })
    assert.equal(tf.getBackend(), 'webgpu')
    setConv3dMethod(method)
    try {
      for (const [i, c] of CASES.entries()) {
        const got = await run(c)
        ;['forward', 'input gradient', 'filter gradient'].forEach((what, j) => {
          const scale = Math.max(...want[i]![j]!.map(Math.abs))
          let worst = 0
          want[i]![j]!.forEach((v, k) => (worst = Math.max(worst, Math.abs(got[j]![k]! - v) / scale)))
          assert.ok(worst <= 1e-4, `case ${i} (${JSON.stringify(c)}) ${what}: ${worst.toExponential(2)}`)
        })
      }
    } finally {
      setConv3dMethod(null)
    }
  })
}
