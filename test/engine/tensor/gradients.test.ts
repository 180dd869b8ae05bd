// Every gradient that src-main/engine/tensor/gradients.ts registers: the formula against central finite
// differences (cpu, float32), and the wasm backend's kernels against the cpu backend's.
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { GRADIENTS } from '../../../src-main/engine/tensor/gradients.ts'
import { initTensorEngine, tf } from '../../../src-main/engine/tensor/index.ts'

type T = tf.Tensor

function normal(n: number, seed: number): number[] {
  let s = seed >>> 0
  const u = (): number => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296
  }
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()))
}

interface Input {
  shape: number[]
  /** Values in [0.5, 2] instead of N(0, 1) (logs, roots, powers). */
  positive?: boolean
}

interface Case {
  kernel: string
  inputs: Input[]
  f: (...xs: T[]) => T
  /** Skip the wasm comparison (a kernel wasm gets wrong and we do not replace). */
  cpuOnly?: string
}

const i32 = (values: number[], shape?: number[]): T => tf.tensor(values, shape, 'int32')
const r4 = (t: T): tf.Tensor4D => t as tf.Tensor4D
const r5 = (t: T): tf.Tensor5D => t as tf.Tensor5D

const CASES: Case[] = [
  { kernel: 'Add', inputs: [{ shape: [2, 3] }, { shape: [3] }], f: (a, b) => tf.add(a!, b!) },
  { kernel: 'Sub', inputs: [{ shape: [2, 1] }, { shape: [2, 3] }], f: (a, b) => tf.sub(a!, b!) },
  { kernel: 'Multiply', inputs: [{ shape: [2, 3] }, { shape: [2, 1] }], f: (a, b) => tf.mul(a!, b!) },
  {
    kernel: 'RealDiv',
    inputs: [{ shape: [2, 3] }, { shape: [3], positive: true }],
    f: (a, b) => tf.div(a!, b!),
  },
  {
    kernel: 'SquaredDifference',
    inputs: [{ shape: [2, 3] }, { shape: [2, 3] }],
    f: (a, b) => tf.squaredDifference(a!, b!),
  },
  { kernel: 'Maximum', inputs: [{ shape: [2, 3] }, { shape: [2, 3] }], f: (a, b) => tf.maximum(a!, b!) },
  { kernel: 'Minimum', inputs: [{ shape: [2, 3] }, { shape: [2, 3] }], f: (a, b) => tf.minimum(a!, b!) },
  {
    kernel: 'Pow',
    inputs: [{ shape: [2, 3], positive: true }, { shape: [2, 3] }],
    f: (a, b) => tf.pow(a!, b!),
  },
  {
    kernel: 'AddN',
    inputs: [{ shape: [4] }, { shape: [4] }, { shape: [4] }],
    f: (a, b, c) => tf.addN([a!, b!, c!]),
  },
  { kernel: 'Neg', inputs: [{ shape: [5] }], f: (x) => tf.neg(x!) },
  { kernel: 'Square', inputs: [{ shape: [5] }], f: (x) => tf.square(x!) },
  { kernel: 'Sqrt', inputs: [{ shape: [5], positive: true }], f: (x) => tf.sqrt(x!) },
  { kernel: 'Rsqrt', inputs: [{ shape: [5], positive: true }], f: (x) => tf.rsqrt(x!) },
  { kernel: 'Reciprocal', inputs: [{ shape: [5], positive: true }], f: (x) => tf.reciprocal(x!) },
  { kernel: 'Log', inputs: [{ shape: [5], positive: true }], f: (x) => tf.log(x!) },
  { kernel: 'Log1p', inputs: [{ shape: [5], positive: true }], f: (x) => tf.log1p(x!) },
  { kernel: 'Abs', inputs: [{ shape: [6] }], f: (x) => tf.abs(x!) },
  { kernel: 'Exp', inputs: [{ shape: [5] }], f: (x) => tf.exp(x!) },
  { kernel: 'ClipByValue', inputs: [{ shape: [8] }], f: (x) => tf.clipByValue(x!, -0.5, 0.7) },
  { kernel: 'Identity', inputs: [{ shape: [4] }], f: (x) => tf.clone(x!) },
  {
    kernel: 'Select',
    inputs: [{ shape: [6] }, { shape: [6] }],
    f: (a, b) => tf.where(tf.tensor([1, 0, 1, 1, 0, 0], [6], 'bool'), a!, b!),
  },
  { kernel: 'Relu', inputs: [{ shape: [8] }], f: (x) => tf.relu(x!) },
  { kernel: 'Relu6', inputs: [{ shape: [8] }], f: (x) => tf.relu6(tf.mul(x!, 4)) },
  { kernel: 'LeakyRelu', inputs: [{ shape: [8] }], f: (x) => tf.leakyRelu(x!, 0.1) },
  { kernel: 'Prelu', inputs: [{ shape: [2, 4] }, { shape: [4] }], f: (x, a) => tf.prelu(x!, a!) },
  { kernel: 'Elu', inputs: [{ shape: [8] }], f: (x) => tf.elu(x!) },
  { kernel: 'Selu', inputs: [{ shape: [8] }], f: (x) => tf.selu(x!) },
  { kernel: 'Sigmoid', inputs: [{ shape: [6] }], f: (x) => tf.sigmoid(x!) },
  { kernel: 'Tanh', inputs: [{ shape: [6] }], f: (x) => tf.tanh(x!) },
  { kernel: 'Softplus', inputs: [{ shape: [6] }], f: (x) => tf.softplus(x!) },
  { kernel: 'Softmax', inputs: [{ shape: [2, 4] }], f: (x) => tf.softmax(x!) },
  { kernel: 'LogSoftmax', inputs: [{ shape: [2, 4] }], f: (x) => tf.logSoftmax(x!) },
  { kernel: 'Sum', inputs: [{ shape: [2, 3, 4] }], f: (x) => tf.sum(x!, [0, 2]) },
  { kernel: 'Mean', inputs: [{ shape: [2, 3, 4] }], f: (x) => tf.mean(x!, 1, true) },
  { kernel: 'Max', inputs: [{ shape: [3, 4] }], f: (x) => tf.max(x!, 1) },
  { kernel: 'Min', inputs: [{ shape: [3, 4] }], f: (x) => tf.min(x!, 0) },
  { kernel: 'Reshape', inputs: [{ shape: [2, 6] }], f: (x) => tf.reshape(x!, [3, 4]) },
  { kernel: 'ExpandDims', inputs: [{ shape: [2, 3] }], f: (x) => tf.expandDims(x!, 1) },
  { kernel: 'Transpose', inputs: [{ shape: [2, 3, 4] }], f: (x) => tf.transpose(x!, [2, 0, 1]) },
  { kernel: 'Slice', inputs: [{ shape: [3, 5] }], f: (x) => tf.slice(x!, [1, 1], [2, 3]) },
  {
    kernel: 'Concat',
    inputs: [{ shape: [2, 2] }, { shape: [2, 3] }],
    f: (a, b) => tf.concat([a!, b!], 1),
  },
  {
    kernel: 'SplitV',
    inputs: [{ shape: [2, 5] }],
    f: (x) => {
      const [a, b] = tf.split(x!, [2, 3], 1)
      return tf.concat([tf.mul(b!, 2), tf.mul(a!, 3)], 1)
    },
  },
  { kernel: 'Pack', inputs: [{ shape: [3] }, { shape: [3] }], f: (a, b) => tf.stack([a!, b!], 1) },
  {
    kernel: 'Unpack',
    inputs: [{ shape: [2, 3] }],
    f: (x) => {
      const [a, b] = tf.unstack(x!, 0)
      return tf.add(tf.mul(a!, 2), tf.mul(b!, b!))
    },
  },
  {
    kernel: 'PadV2',
    inputs: [{ shape: [2, 3] }],
    f: (x) =>
      tf.pad(x!, [
        [1, 0],
        [2, 1],
      ]),
  },
  {
    kernel: 'MirrorPad',
    inputs: [{ shape: [3, 3] }],
    f: (x) =>
      tf.mirrorPad(
        x!,
        [
          [1, 1],
          [0, 2],
        ],
        'reflect',
      ),
  },
  {
    kernel: 'MirrorPad',
    inputs: [{ shape: [4, 3] }],
    f: (x) =>
      tf.mirrorPad(
        x!,
        [
          [2, 1],
          [3, 0],
        ],
        'symmetric',
      ),
  },
  { kernel: 'Tile', inputs: [{ shape: [1, 2, 1, 2, 2] }], f: (x) => tf.tile(x!, [2, 1, 3, 2, 1]) },
  { kernel: 'BroadcastTo', inputs: [{ shape: [2, 1, 3] }], f: (x) => tf.broadcastTo(x!, [2, 2, 4, 3]) },
  { kernel: 'Reverse', inputs: [{ shape: [2, 3] }], f: (x) => tf.reverse(x!, [1]) },
  { kernel: 'GatherV2', inputs: [{ shape: [2, 4, 3] }], f: (x) => tf.gather(x!, i32([3, 0, 3]), 1) },
  {
    kernel: 'BatchMatMul',
    inputs: [{ shape: [2, 3, 4] }, { shape: [2, 4, 2] }],
    f: (a, b) => tf.matMul(a!, b!),
  },
  {
    kernel: 'BatchMatMul',
    inputs: [{ shape: [4, 3] }, { shape: [2, 4] }],
    f: (a, b) => tf.matMul(a!, b!, true, true),
  },
  {
    kernel: 'Conv2D',
    inputs: [{ shape: [1, 5, 6, 2] }, { shape: [3, 3, 2, 3] }],
    f: (x, w) => tf.conv2d(r4(x!), r4(w!), 2, 'same'),
  },
  {
    kernel: 'Conv2DBackpropInput',
    inputs: [{ shape: [1, 3, 3, 3] }, { shape: [3, 3, 2, 3] }],
    f: (dy, w) => tf.conv2dTranspose(r4(dy!), r4(w!), [1, 6, 6, 2], 2, 'same'),
  },
  {
    kernel: 'Conv3D',
    inputs: [{ shape: [1, 3, 4, 4, 2] }, { shape: [3, 3, 3, 2, 2] }],
    f: (x, w) => tf.conv3d(r5(x!), r5(w!), 1, 'same'),
    cpuOnly: "wasm's Conv3D gradients are wrong; conv3d() in conv3d.ts is what runs there",
  },
  { kernel: 'MaxPool', inputs: [{ shape: [1, 6, 4, 2] }], f: (x) => tf.maxPool(r4(x!), 2, 2, 'valid') },
  { kernel: 'MaxPool', inputs: [{ shape: [2, 5, 5, 1] }], f: (x) => tf.maxPool(r4(x!), 3, 2, 'same') },
  { kernel: 'AvgPool', inputs: [{ shape: [1, 6, 4, 2] }], f: (x) => tf.avgPool(r4(x!), 2, 2, 'valid') },
  {
    kernel: 'ResizeNearestNeighbor',
    inputs: [{ shape: [1, 3, 2, 2] }],
    f: (x) => tf.image.resizeNearestNeighbor(r4(x!), [6, 4]),
  },
  {
    kernel: 'ResizeBilinear',
    inputs: [{ shape: [1, 3, 2, 2] }],
    f: (x) => tf.image.resizeBilinear(r4(x!), [5, 4]),
  },
  {
    kernel: 'FusedBatchNorm',
    inputs: [
      { shape: [2, 3, 4] },
      { shape: [4] },
      { shape: [4], positive: true },
      { shape: [4] },
      { shape: [4] },
    ],
    f: (x, m, v, o, s) => tf.batchNorm(x!, m!, v!, o!, s!, 0.01),
  },
]

function makeInputs(c: Case, seed: number): number[][] {
  return c.inputs.map((inp, k) => {
    const n = inp.shape.reduce((a, b) => a * b, 1)
    const v = normal(n, seed * 31 + k)
    return inp.positive ? v.map((x) => 0.5 + 1.5 / (1 + Math.exp(-x))) : v
  })
}

/** loss = sum(f(xs) * r) with a fixed r, so every output element carries a different weight. */
function lossFn(c: Case, weights: number[] | null): (...xs: T[]) => tf.Scalar {
  return (...xs) => {
    const y = c.f(...xs)
    const r = weights ? tf.tensor(weights, y.shape) : tf.onesLike(y)
    return tf.sum(tf.mul(y, r)) as tf.Scalar
  }
}

async function analytic(
  backend: string,
  c: Case,
  values: number[][],
  weights: number[],
): Promise<Float32Array[]> {
  await tf.setBackend(backend)
  const grads = tf.tidy(() => {
    const xs = c.inputs.map((inp, k) => tf.tensor(values[k]!, inp.shape))
    return tf.grads(lossFn(c, weights))(xs)
  })
  const out = await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array))
  tf.dispose(grads)
  return out
}

function numeric(c: Case, values: number[][], weights: number[], eps = 1e-2): Float64Array[] {
  const f = lossFn(c, weights)
  const at = (vals: number[][]): number =>
    tf.tidy(() => f(...c.inputs.map((inp, k) => tf.tensor(vals[k]!, inp.shape))).dataSync()[0]!)
  return values.map((v, k) => {
    const g = new Float64Array(v.length)
    for (let i = 0; i < v.length; i++) {
      const plus = values.map((w) => [...w])
      const minus = values.map((w) => [...w])
      plus[k]![i]! += eps
      minus[k]![i]! -= eps
      g[i] = (at(plus) - at(minus)) / (2 * eps)
    }
    return g
  })
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; scale: number } {
  let diff = 0
  let scale = 1
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!))
    scale = Math.max(scale, Math.abs(b[i]!))
  }
  return { diff, scale }
}

before(async () => {
  await initTensorEngine({ backend: 'wasm' })
})

describe('registered gradients', () => {
  test('every registered gradient has a case here', () => {
    const covered = new Set(CASES.map((c) => c.kernel))
    const untested = GRADIENTS.map((g) => g.kernelName).filter(
      (k) =>
        !covered.has(k) &&
        !['Sign', 'Floor', 'Ceil', 'Round', 'Step', 'ZerosLike', 'OnesLike', 'Cast'].includes(k),
    )
    assert.deepEqual(untested, [])
  })

  CASES.forEach((c, idx) => {
    test(`${c.kernel} #${idx}: formula vs finite differences; wasm vs cpu`, async () => {
      const values = makeInputs(c, idx + 1)
      await tf.setBackend('cpu')
      const outShape = tf.tidy(() => c.f(...c.inputs.map((inp, k) => tf.tensor(values[k]!, inp.shape))).shape)
      const weights = normal(
        outShape.reduce((a, b) => a * b, 1),
        1000 + idx,
      )
      const cpu = await analytic('cpu', c, values, weights)
      const fd = numeric(c, values, weights)
      cpu.forEach((g, k) => {
        const { diff, scale } = maxDiff(g, fd[k]!)
        assert.ok(
          diff <= 2e-2 * scale,
          `${c.kernel} input ${k}: analytic vs numeric differ by ${diff} (scale ${scale})`,
        )
      })
      if (c.cpuOnly) return
      const wasm = await analytic('wasm', c, values, weights)
      wasm.forEach((g, k) => {
        const { diff, scale } = maxDiff(g, cpu[k]!)
        assert.ok(
          diff <= 1e-4 * scale,
          `${c.kernel} input ${k}: wasm vs cpu differ by ${diff} (scale ${scale})`,
        )
      })
    })
  })
})
