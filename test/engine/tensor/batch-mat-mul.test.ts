import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { initTensorEngine, tf } from '../../../src-main/engine/tensor/index.ts'

before(async () => {
  await initTensorEngine({ backend: 'wasm' })
})

/** Seeded values in [-1, 1), the same on both backends. */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 31 - 1
  })
}

async function product(
  backend: 'wasm' | 'cpu',
  aShape: number[],
  bShape: number[],
  ta: boolean,
  tb: boolean,
): Promise<Float32Array> {
  assert.ok(await tf.setBackend(backend))
  const before = tf.memory().numTensors
  const out = tf.tidy(() => {
    const a = tf.tensor(
      values(
        aShape.reduce((x, y) => x * y, 1),
        1,
      ),
      aShape,
    )
    const b = tf.tensor(
      values(
        bShape.reduce((x, y) => x * y, 1),
        2,
      ),
      bShape,
    )
    return tf.matMul(a, b, ta, tb)
  })
  const data = (await out.data()) as Float32Array
  out.dispose()
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`)
  return data
}

// A dense layer's gradients ask for exactly these: x^T dy and dy W^T.
const cases: Array<{ a: number[]; b: number[]; ta: boolean; tb: boolean }> = [
  { a: [32, 64], b: [32, 2048], ta: true, tb: false },
  { a: [32, 2048], b: [64, 2048], ta: false, tb: true },
  { a: [7, 5], b: [3, 7], ta: true, tb: true },
  { a: [3, 6, 4], b: [3, 6, 5], ta: true, tb: false },
  { a: [1, 4, 6], b: [3, 5, 6], ta: false, tb: true },
  { a: [2, 4, 6], b: [2, 6, 5], ta: false, tb: false },
]
for (const c of cases) {
  test(`matMul [${c.a}]${c.ta ? '^T' : ''} x [${c.b}]${c.tb ? '^T' : ''} on wasm equals cpu`, async () => {
    const ours = await product('wasm', c.a, c.b, c.ta, c.tb)
    const ref = await product('cpu', c.a, c.b, c.ta, c.tb)
    assert.equal(ours.length, ref.length)
    let diff = 0
    let scale = 1
    for (let i = 0; i < ref.length; i++) {
      diff = Math.max(diff, Math.abs(ours[i]! - ref[i]!))
      scale = Math.max(scale, Math.abs(ref[i]!))
    }
    assert.ok(diff <= 1e-4 * scale, `max abs diff ${diff} (largest value ${scale})`)
    await tf.setBackend('wasm')
  })
}

test('a dense layer trains the same on wasm as on cpu: its weight gradient is x^T dy', async () => {
  const grads = async (backend: 'wasm' | 'cpu'): Promise<Float32Array> => {
    assert.ok(await tf.setBackend(backend))
    const g = tf.tidy(() => {
      const x = tf.tensor(values(16 * 40, 3), [16, 40])
      const w = tf.tensor(values(40 * 8, 4), [40, 8])
      return tf.grad((wv: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, wv))))(w)
    })
    const data = (await g.data()) as Float32Array
    g.dispose()
    return data
  }
  const ours = await grads('wasm')
  const ref = await grads('cpu')
  for (let i = 0; i < ref.length; i++)
    assert.ok(Math.abs(ours[i]! - ref[i]!) <= 1e-4 * Math.max(1, Math.abs(ref[i]!)), `dW[${i}]`)
  await tf.setBackend('wasm')
})
