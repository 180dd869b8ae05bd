import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, test, type TestContext } from 'node:test'
import { gpuRequestsAnswered } from '../../../src-main/engine/cluster/gpu-shard.ts'
import {
  kCenterGreedy,
  kmeans,
  type KMeansOptions,
  type KMeansResult,
} from '../../../src-main/engine/cluster/index.ts'
import type { Farthest, StepReply } from '../../../src-main/engine/cluster/lloyd-state.ts'
import type { NearestReply } from '../../../src-main/engine/cluster/worker-shard.ts'
import {
  placeShards,
  withShards,
  type ShardReplies,
  type ShardRequest,
  type Shards,
} from '../../../src-main/engine/cluster/shards.ts'
import { initTensorEngine, tf } from '../../../src-main/engine/tensor/index.ts'
import { blobs, someRows, uniform } from './data.ts'

/** SwiftShader, Chromium's software Vulkan driver: WebGPU on any machine, slow to compile shaders. */
const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json'
const REQUIRED = process.env.ACTIVEEM_REQUIRE_WEBGPU === '1'

/** Whether the webgpu backend can be asked for here: skips (or, when required, fails) if not. */
function needWebGpu(t: TestContext): boolean {
  const require = createRequire(import.meta.url)
  const missing: string[] = []
  if (!existsSync(ICD))
    missing.push(`the software Vulkan driver ${ICD} (Debian: apt-get install chromium-common)`)
  for (const name of ['webgpu', '@tensorflow/tfjs-backend-webgpu']) {
    try {
      require.resolve(`${name}/package.json`)
    } catch {
      missing.push(`the npm package ${name}`)
    }
  }
  if (missing.length === 0) {
    // The loader reads it when Dawn starts; a driver chosen by the caller is kept.
    process.env.VK_ICD_FILENAMES ??= ICD
    return true
  }
  const msg = `webgpu needs ${missing.join(' and ')}`
  if (REQUIRED) throw new Error(msg)
  t.skip(msg)
  return false
}

type Where = 'cpu' | 'wasm' | 'webgpu'

/**
 * `body` on a backend: 'cpu' runs the GPU path's ops on tfjs-cpu (in this thread), 'wasm' the worker
 * threads as by default, 'webgpu' the GPU path on the device. Checks which path answered and that no
 * tensor was left behind.
 */
async function on<T>(where: Where, body: () => Promise<T>): Promise<T> {
  await initTensorEngine({ backend: where })
  const before = placeShards(where === 'cpu' ? 'in-process' : 'auto')
  const answered = gpuRequestsAnswered()
  const tensors = tf.memory().numTensors
  try {
    const out = await body()
    const inProcess = gpuRequestsAnswered() > answered
    assert.equal(inProcess, where !== 'wasm', `${where}: answered in this thread: ${inProcess}`)
    assert.equal(tf.getBackend(), where)
    assert.equal(tf.memory().numTensors, tensors, `${where}: tensors left behind`)
    return out
  } finally {
    placeShards(before)
  }
}

const [n, d] = [2000, 16]
const points = blobs(n, d, 8, 6, 31)

function close(a: number, b: number, relative: number, what: string): void {
  assert.ok(Math.abs(a - b) <= relative * Math.max(Math.abs(b), 1), `${what}: ${a} vs ${b}`)
}

function closeAll(a: ArrayLike<number>, b: ArrayLike<number>, absolute: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`)
  for (let i = 0; i < b.length; i++) {
    const ok = a[i] === b[i] || Math.abs(a[i]! - b[i]!) <= absolute
    assert.ok(ok, `${what}[${i}]: ${a[i]} vs ${b[i]}`)
  }
}

/** What `script` asked: one shard each time (fewer points than a worker's minimum share). */
interface Replies {
  reset: NearestReply
  add: NearestReply
  tried: Float64Array
  picked: Float64Array
  steps: StepReply[]
  farthest: Farthest[]
  exact: ShardReplies['exact']
}

/**
 * Every kind of request, straight through the protocol. The second step ties every point: centres 1
 * to 68 coincide, 0 and 69 are far off. Each point stays with its previous centre, those of 0 and 69
 * go to 1 (the lowest index among equals), where tf.argMax on WebGPU takes another (its threads scan
 * strided columns, and the first thread's best wins).
 */
async function script(shards: Shards, x: Float32Array, n: number, mean: Float32Array): Promise<Replies> {
  assert.equal(shards.parts.length, 1)
  const one = async <K extends ShardRequest['op']>(
    request: Extract<ShardRequest, { op: K }>,
  ): Promise<ShardReplies[K]> => (await shards.all<K>(() => request))[0]!
  const rows = (indices: number[]): Float32Array =>
    Float32Array.from(
      { length: indices.length * d },
      (_, j) => x[indices[(j / d) | 0]! * d + (j % d)]! - mean[j % d]!,
    )
  const k = 70
  const reset = await one<'nearReset'>({
    op: 'nearReset',
    points: rows([3, 100, n - 1]),
    m: 3,
    exclude: Int32Array.from([3, 100, n - 1]),
    withNear: true,
  })
  const add = await one<'nearAdd'>({ op: 'nearAdd', points: rows([77]), m: 1, pick: 77, withNear: true })
  const tried = await one<'nearTry'>({ op: 'nearTry', candidates: rows([5, 6, 7]), m: 3 })
  const picked = await one<'nearPick'>({ op: 'nearPick', c: 1 })
  const first = someRows(x, n, d, k, 9).map((v, j) => v - mean[j % d]!)
  const second = new Float32Array(k * d).fill(1e3)
  for (let c = 1; c < k - 1; c++) second.set(first.subarray(0, d), c * d)
  const step = { op: 'step', k, update: true, bounds: false } as const
  const steps = [
    await one<'step'>({ ...step, centres: first, shifts: null }),
    await one<'step'>({ ...step, centres: second, shifts: new Float64Array(k) }),
  ]
  const farthest = await one<'farthest'>({ op: 'farthest', count: 3 })
  const exact = await one<'exact'>({ op: 'exact', centres: second })
  return { reset, add, tried, picked, steps, farthest, exact }
}

/** The replies agree: distances within rounding of the products, labels and what follows equal. */
function assertSameReplies(got: Replies, want: Replies, where: string): void {
  // Scores are within about (d + 2) 2^-24 (||x||^2 + 2 ||c||^2) of exact: a few 1e-4 here.
  const tol = 5e-3
  for (const what of ['reset', 'add'] as const) {
    assert.equal(got[what].argmax, want[what].argmax, `${where} ${what}: argmax`)
    close(got[what].max, want[what].max, 1e-5, `${where} ${what}: max`)
    closeAll(got[what].near!, want[what].near!, tol, `${where} ${what}: near`)
  }
  // Each trial sums over the points.
  closeAll(got.tried, want.tried, tol * got.picked.length, `${where} nearTry`)
  closeAll(got.picked, want.picked, tol, `${where} nearPick`)
  got.steps.forEach((a, s) => {
    const b = want.steps[s]!
    assert.equal(a.changed, b.changed, `${where} step ${s}: changed`)
    assert.equal(a.measured, b.measured, `${where} step ${s}: measured`)
    // The same labels give the same float64 sums, bit for bit, and so the same inertia.
    assert.deepEqual(a.counts, b.counts, `${where} step ${s}: counts`)
    assert.deepEqual(a.sums, b.sums, `${where} step ${s}: sums`)
    assert.equal(a.inertia, b.inertia, `${where} step ${s}: inertia`)
  })
  assert.ok(want.steps[1]!.changed > 0, 'the second step moves points')
  assert.deepEqual(got.farthest, want.farthest, `${where} farthest`)
  assert.deepEqual(got.exact, want.exact, `${where} exact`)
}

describe('clustering on a GPU backend (in this thread)', () => {
  test('every request answers as the wasm worker does', async (t) => {
    // Few points: on the software driver a product's reduction over 70 centres is slow.
    const few = 600
    const x = blobs(few, d, 8, 6, 32)
    const run = (where: Where): Promise<Replies> =>
      on(where, () => withShards('test', x, few, d, (shards, { mean }) => script(shards, x, few, mean)))
    const wasm = await run('wasm')
    assertSameReplies(await run('cpu'), wasm, 'cpu')
    if (!needWebGpu(t)) return
    assertSameReplies(await run('webgpu'), wasm, 'webgpu')
  })

  test('kmeans: the same labels as on cpu and in the wasm workers', async (t) => {
    const k = 8
    const runs: [string, KMeansOptions][] = [
      ['fixed init', { k, init: someRows(points, n, d, k, 4) }],
      ['k-means++', { k, seed: 7, restarts: 2 }],
    ]
    const gpu = needWebGpu(t)
    for (const [name, o] of runs) {
      const cpu = await on('cpu', () => kmeans(points, n, d, o))
      const wasm = await on('wasm', () => kmeans(points, n, d, o))
      const others: [Where, KMeansResult][] = [['wasm', wasm]]
      if (gpu) {
        const steps: string[] = []
        const webgpu = await on('webgpu', () =>
          kmeans(points, n, d, { ...o, onProgress: () => void steps.push(tf.getBackend()) }),
        )
        assert.ok(steps.length > 0 && steps.every((b) => b === 'webgpu'), `${name}: backends ${steps}`)
        others.push(['webgpu', webgpu])
      }
      for (const [where, r] of others) {
        assert.deepEqual(r.labels, cpu.labels, `${name}, ${where}: labels`)
        assert.equal(r.iterations, cpu.iterations, `${name}, ${where}: iterations`)
        close(r.inertia, cpu.inertia, 1e-4, `${name}, ${where}: inertia`)
        closeAll(r.centres, cpu.centres, 1e-5, `${name}, ${where}: centres`)
      }
    }
  })

  test('kCenterGreedy: the same picks as on cpu and in the wasm workers', async (t) => {
    const data = uniform(n, d, 5)
    const gpu = needWebGpu(t)
    for (const labeled of [[], [0, 10, 1500]]) {
      const pick = (): Promise<Int32Array> => kCenterGreedy(data, n, d, 12, labeled, 3)
      const wasm = await on('wasm', pick)
      assert.deepEqual(await on('cpu', pick), wasm, `cpu, ${labeled.length} labelled`)
      if (gpu) assert.deepEqual(await on('webgpu', pick), wasm, `webgpu, ${labeled.length} labelled`)
    }
  })
})
