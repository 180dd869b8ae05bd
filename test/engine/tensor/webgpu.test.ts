import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import {
  tripletLoss,
  initVaeWeights,
  vaeLoss,
  VAE_DEFAULTS,
  type VaeConfig,
} from '../../../src-main/engine/embed/index.ts'
import {
  defaultConfig,
  forward,
  initWeights,
  segmentationLoss,
} from '../../../src-main/engine/model/index.ts'
import { initTensorEngine, probeWebGpu, setConv3dMethod, tf } from '../../../src-main/engine/tensor/index.ts'
import { runCli } from '../../helpers/cli.ts'
import { SWIFTSHADER_ICD, skipWithout, useTestAdapter } from '../../helpers/webgpu.ts'

const missing = useTestAdapter()

type Backend = 'cpu' | 'webgpu'
type Named = Map<string, Float32Array>

/** Runs `body` on a backend, first asserting that it is really that backend (and a real adapter for webgpu). */
async function on<T>(backend: Backend, body: () => Promise<T>): Promise<T> {
  await initTensorEngine({ backend })
  assert.equal(tf.getBackend(), backend)
  if (backend === 'webgpu') {
    const probe = await probeWebGpu()
    assert.ok(probe.ok && probe.adapter, probe.detail)
    assert.ok(probe.adapter.description || probe.adapter.vendor, 'the adapter names itself')
  }
  return body()
}

async function read(tensors: Record<string, tf.Tensor>): Promise<Named> {
  const out: Named = new Map()
  for (const [k, t] of Object.entries(tensors)) out.set(k, (await t.data()) as Float32Array)
  return out
}

/** Every value within `tol` of the reference, relative to the reference's largest magnitude. */
function assertClose(got: Float32Array, want: Float32Array, tol: number, what: string, floor = 1e-12): void {
  assert.equal(got.length, want.length, `${what}: length`)
  const scale = Math.max(floor, ...want.map(Math.abs))
  let worst = 0
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / scale)
  assert.ok(worst <= tol, `${what}: largest difference ${worst.toExponential(2)} of the scale, over ${tol}`)
}

/**
 * Each tensor against its own scale, but never below 1e-4 of the largest of them: a gradient that is
 * zero in exact arithmetic (the triplet loss's is, for the last bias, as it sees only differences) is
 * rounding noise on both sides.
 */
function assertAllClose(got: Named, want: Named, tol: number): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort())
  const largest = Math.max(...[...want.values()].map((w) => Math.max(...w.map(Math.abs))))
  for (const [k, w] of want) assertClose(got.get(k)!, w, tol, k, 1e-4 * largest)
}

/** Values that both backends start from: drawn once, copied into each backend's variables. */
function seeded(shape: number[], seed: number, scale = 1): Float32Array {
  let s = seed
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return (s / 2 ** 31 - 0.5) * 2 * scale
  })
}

describe('webgpu computes what the cpu backend computes', { concurrency: false }, () => {
  before(async () => {
    if (!missing) await initTensorEngine({ backend: 'webgpu' })
  })

  const unet = defaultConfig('synapse', { width: 4, depth: 3, window: [4, 16, 16] })
  const xShape = [2, 4, 16, 16, 1]
  const x0 = seeded(xShape, 1)
  const y0 = seeded([2, 4, 16, 16, 3], 2).map((v) => (v > 0.6 ? 1 : 0))

  /** The U-Net's forward and its loss's gradients on one backend, from the same weights. */
  async function unetRun(
    backend: Backend,
    initial: Named | null,
  ): Promise<{ weights: Named; out: Float32Array; loss: number; grads: Named }> {
    return on(backend, async () => {
      const w = initWeights(unet, 7)
      if (initial) for (const [k, v] of w) v.assign(tf.tensor(initial.get(k)!, v.shape))
      const weights = await read(Object.fromEntries(w))
      const x = tf.tensor5d(x0, xShape as [number, number, number, number, number])
      const y = tf.tensor5d(y0, [2, 4, 16, 16, 3])
      const mask = tf.ones([3]) as tf.Tensor1D
      const logits = tf.tidy(() => forward(unet, w, x))
      const out = (await logits.data()) as Float32Array
      const { value, grads } = tf.variableGrads(
        () => segmentationLoss(forward(unet, w, x), y, mask, 2),
        [...w.values()],
      )
      const loss = (await value.data())[0]!
      const g = await read(grads)
      tf.dispose([x, y, mask, logits, value, ...Object.values(grads), ...w.values()])
      return { weights, out, loss, grads: g }
    })
  }

  test('U-Net forward and one training step (loss and every gradient)', async (t) => {
    if (skipWithout(t, missing)) return
    const cpu = await unetRun('cpu', null)
    const gpu = await unetRun('webgpu', cpu.weights)
    assertClose(gpu.out, cpu.out, 1e-4, 'forward logits')
    assert.ok(Math.abs(gpu.loss - cpu.loss) <= 1e-4 * Math.abs(cpu.loss), `loss ${gpu.loss} vs ${cpu.loss}`)
    assertAllClose(gpu.grads, cpu.grads, 5e-4)
  })

  for (const method of ['native', 'tiled'] as const) {
    test(`U-Net with ACTIVEEM_CONV3D=${method}: the same forward and gradients`, async (t) => {
      if (skipWithout(t, missing)) return
      const cpu = await unetRun('cpu', null)
      setConv3dMethod(method)
      try {
        const gpu = await unetRun('webgpu', cpu.weights)
        assertClose(gpu.out, cpu.out, 1e-4, 'forward logits')
        assertAllClose(gpu.grads, cpu.grads, 5e-4)
      } finally {
        setConv3dMethod(null)
      }
    })
  }

  const vae: VaeConfig = { ...VAE_DEFAULTS.image, size: 32, latent: 16 }

  async function vaeRun(backend: Backend, initial: Named | null, kind: 'vae' | 'triplet') {
    return on(backend, async () => {
      const w = initVaeWeights(vae, 3)
      if (initial) for (const [k, v] of w) v.assign(tf.tensor(initial.get(k)!, v.shape))
      const weights = await read(Object.fromEntries(w))
      const n = 6
      const x = tf.tensor4d(seeded([n, 32, 32, 1], 5), [n, 32, 32, 1])
      const eps = tf.tensor2d(seeded([n, vae.latent], 6), [n, vae.latent])
      const loss = (): tf.Scalar => (kind === 'vae' ? vaeLoss(vae, w, x, eps).loss : tripletLoss(vae, w, x))
      const { value, grads } = tf.variableGrads(
        loss,
        [...w.values()].filter((v) => v.trainable),
      )
      // Keyed by our weight names: tfjs numbers unnamed variables differently on each run.
      const named = Object.fromEntries(
        [...w].filter(([, v]) => grads[v.name]).map(([k, v]) => [k, grads[v.name]!]),
      )
      const result = { weights, loss: (await value.data())[0]!, grads: await read(named) }
      tf.dispose([x, eps, value, ...Object.values(grads), ...w.values()])
      return result
    })
  }

  for (const kind of ['vae', 'triplet'] as const) {
    test(`${kind === 'vae' ? 'a VAE step' : 'a triplet step'}: loss and gradients`, async (t) => {
      if (skipWithout(t, missing)) return
      const cpu = await vaeRun('cpu', null, kind)
      const gpu = await vaeRun('webgpu', cpu.weights, kind)
      assert.ok(Math.abs(gpu.loss - cpu.loss) <= 1e-4 * Math.abs(cpu.loss), `loss ${gpu.loss} vs ${cpu.loss}`)
      assertAllClose(gpu.grads, cpu.grads, 5e-4)
    })
  }

  test('memory stays flat over repeated forwards', async (t) => {
    if (skipWithout(t, missing)) return
    await on('webgpu', async () => {
      const w = initWeights(unet, 9)
      const x = tf.tensor5d(x0, xShape as [number, number, number, number, number])
      const counts: number[] = []
      for (let i = 0; i < 4; i++) {
        const p = tf.tidy(() => tf.sigmoid(forward(unet, w, x)))
        await p.data()
        p.dispose()
        counts.push(tf.memory().numTensors)
      }
      assert.equal(new Set(counts).size, 1, `tensors per pass: ${counts.join(', ')}`)
      tf.dispose([x, ...w.values()])
    })
  })
})

test('doctor names the software adapter, its limits, and why auto does not choose it', (t) => {
  if (skipWithout(t, missing)) return
  if (process.env.ACTIVEEM_WEBGPU_ADAPTER === 'any')
    return t.skip('the device check runs on a hardware adapter')
  const r = runCli(['doctor', '--json'], { env: { VK_ICD_FILENAMES: SWIFTSHADER_ICD, ACTIVEEM_BACKEND: '' } })
  assert.equal(r.code, 0, r.stderr)
  const report = JSON.parse(r.stdout) as {
    auto: { backend: string; reason: string }
    backends: Record<string, { ok: boolean; detail: string }>
    webgpu: {
      adapter: { description: string; vendor: string; software: boolean; limits: Record<string, number> }
      chosenByAuto: boolean
      notChosenBecause: string
      vulkan: { loader: string | null; icds: string[] }
    }
  }
  assert.equal(report.backends.webgpu!.ok, true, report.backends.webgpu!.detail)
  assert.match(report.webgpu.adapter.description, /SwiftShader/)
  assert.equal(report.webgpu.adapter.software, true)
  assert.ok(report.webgpu.adapter.limits.maxStorageBufferBindingSize! >= 128 * 2 ** 20)
  assert.deepEqual(report.webgpu.vulkan.icds, [SWIFTSHADER_ICD])
  assert.equal(report.webgpu.chosenByAuto, false)
  assert.match(report.webgpu.notChosenBecause, /software adapter .*not chosen by default.*slower than wasm/)
  assert.equal(report.auto.backend, 'wasm')
  assert.match(report.auto.reason, /webgpu: software adapter/)
})
