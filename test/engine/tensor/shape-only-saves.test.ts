import assert from 'node:assert/strict'
import { test } from 'node:test'
import { initTensorEngine, tf } from '../../../src-main/engine/tensor/index.ts'
import { SHAPE_ONLY } from '../../../src-main/engine/tensor/shape-only-saves.ts'

/** A function through every shape-only kernel (and some that save values), its gradient on both backends. */
function gradients(): tf.Tensor[] {
  const x = tf.tensor(
    Float32Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => Math.cos(i * 0.3)),
    [2, 3, 4, 5],
  )
  const b = tf.tensor(
    Float32Array.from({ length: 5 }, (_, i) => i / 5 - 0.3),
    [5],
  )
  const f = (a: tf.Tensor, c: tf.Tensor): tf.Scalar => {
    const h = tf.sub(tf.add(a, c), tf.mean(a, [1, 2], true))
    const padded = tf.pad(tf.reshape(h, [6, 4, 5]), [
      [0, 0],
      [1, 1],
      [0, 0],
    ])
    const cut = tf.slice(padded, [1, 0, 1], [4, 5, 3])
    return tf.sum(tf.mul(tf.square(cut), tf.slice(tf.sum(a, [0, 1, 2], true), [0, 0, 0, 1], [1, 1, 1, 3])))
  }
  return tf.grads(f)([x, b])
}

test('gradients through shape-only kernels are the cpu backend’s, with stand-ins saved on wasm', async () => {
  await initTensorEngine({ backend: 'cpu' })
  const want = await Promise.all(tf.tidy(gradients).map((t) => t.data()))
  await initTensorEngine({ backend: 'wasm' })
  const before = tf.backend().numDataIds()
  const got = tf.tidy(gradients)
  for (let k = 0; k < got.length; k++) {
    const g = (await got[k]!.data()) as Float32Array
    for (let i = 0; i < g.length; i++)
      assert.ok(
        Math.abs(g[i]! - want[k]![i]!) <= 1e-4 * Math.max(1, Math.abs(want[k]![i]!)),
        `grad ${k}[${i}]`,
      )
  }
  tf.dispose(got)
  assert.equal(tf.backend().numDataIds(), before, 'no buffers left behind')
})

test('a shape-only kernel saves a 1-value buffer of the input’s shape, a value kernel the input', async () => {
  await initTensorEngine({ backend: 'wasm' })
  assert.ok(SHAPE_ONLY.has('Add') && !SHAPE_ONLY.has('Multiply'))
  const engine = tf.engine() as unknown as {
    state: { activeTape: Array<{ kernelName: string; saved?: tf.Tensor[] }> | null; gradientDepth: number }
    startScope(): void
    endScope(): void
  }
  const backend = tf.backend() as unknown as { dataIdMap: { get(id: object): { shape: number[] } } }
  const tape: Array<{ kernelName: string; saved?: tf.Tensor[] }> = []
  const a = tf.ones([64, 64])
  engine.startScope()
  const [outerTape, outerDepth] = [engine.state.activeTape, engine.state.gradientDepth]
  engine.state.activeTape = tape
  engine.state.gradientDepth = 1
  try {
    tf.mul(tf.add(a, a), a)
    const add = tape.find((n) => n.kernelName === 'Add')!
    const mul = tape.find((n) => n.kernelName === 'Multiply')!
    for (const t of add.saved!) {
      assert.deepEqual(t.shape, [64, 64])
      assert.deepEqual(backend.dataIdMap.get(t.dataId).shape, [1])
    }
    assert.ok(mul.saved!.every((t) => backend.dataIdMap.get(t.dataId).shape.length === 2))
    for (const node of tape) tf.dispose(node.saved ?? [])
  } finally {
    engine.state.activeTape = outerTape
    engine.state.gradientDepth = outerDepth
    engine.endScope()
    a.dispose()
  }
})
