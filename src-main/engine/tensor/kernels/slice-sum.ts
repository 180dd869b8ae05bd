/**
 * wasm's Slice runs a plain JS loop for rank 5 (1.9 s to cut the channels of a [2,8,64,64,96]
 * tensor, against 13 ms in rank 4), SplitV (the gradient of every channel concat) inherits it, and
 * Sum over the leading axes (every bias and norm gradient) transposes first (415 ms against 4.5 ms
 * as a matmul). These overrides merge axes until the wasm C++ paths apply, and fall back to
 * upstream's kernels otherwise.
 */
import {
  util,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core'
import { overrideWasmKernel, run, Scope } from './compose.ts'

const upstream = new Map<string, KernelConfig>()

interface Group {
  dim: number
  begin: number
  size: number
}

/** Merges every axis into the axis after it when that one is taken whole: same bytes, lower rank. */
export function mergeSliceAxes(shape: number[], begin: number[], size: number[]): Group[] {
  const groups: Group[] = []
  for (let i = shape.length - 1; i >= 0; i--) {
    const dim = shape[i]!
    const b = begin[i]!
    const s = size[i]!
    const inner = groups[0]
    if (inner && inner.begin === 0 && inner.size === inner.dim) {
      groups[0] = { dim: dim * inner.dim, begin: b * inner.dim, size: s * inner.dim }
    } else {
      groups.unshift({ dim, begin: b, size: s })
    }
  }
  return groups
}

function normalise(shape: number[], begin: number[], size: number[]): { begin: number[]; size: number[] } {
  const b = shape.map((_, i) => begin[i] ?? 0)
  const s = shape.map((d, i) => (size[i] === undefined || size[i] === -1 ? d - b[i]! : size[i]!))
  return { begin: b, size: s }
}

function sliceFast(backend: KernelBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const norm = normalise(x.shape, begin, size)
  const groups = mergeSliceAxes(x.shape, norm.begin, norm.size)
  if (groups.length > 4)
    return upstream
      .get('Slice')!
      .kernelFunc({ inputs: { x }, backend, attrs: { begin: norm.begin, size: norm.size } }) as TensorInfo
  const s = new Scope(backend)
  try {
    const flat = s.run('Reshape', { x }, { shape: groups.map((g) => g.dim) })
    const cut = s.run(
      'Slice',
      { x: flat },
      { begin: groups.map((g) => g.begin), size: groups.map((g) => g.size) },
    )
    return run(backend, 'Reshape', { x: cut }, { shape: norm.size })
  } finally {
    s.dispose()
  }
}

const slice: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x as TensorInfo
  const { begin, size } = attrs as unknown as { begin: number[]; size: number[] }
  if (x.shape.length <= 4) {
    return upstream.get('Slice')!.kernelFunc({ inputs, backend, attrs })
  }
  return sliceFast(backend as KernelBackend, x, begin, size)
}

const splitV: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x as TensorInfo
  const { numOrSizeSplits, axis } = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number }
  const ax = util.parseAxisParam(axis, x.shape)[0]!
  const dim = x.shape[ax]!
  const sizes = Array.isArray(numOrSizeSplits)
    ? [...numOrSizeSplits]
    : new Array<number>(numOrSizeSplits).fill(dim / numOrSizeSplits)
  const free = sizes.indexOf(-1)
  if (free >= 0) sizes[free] = dim - sizes.reduce((a, b) => a + (b === -1 ? 0 : b), 0)
  const outputs: TensorInfo[] = []
  let offset = 0
  for (const part of sizes) {
    const begin = x.shape.map((_, i) => (i === ax ? offset : 0))
    const size = x.shape.map((d, i) => (i === ax ? part : d))
    outputs.push(sliceFast(backend as KernelBackend, x, begin, size))
    offset += part
  }
  return outputs
}

/** Sum over a leading block of axes as ones[1, M] x [M, R], which XNNPACK does at memory speed. */
const sum: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x as TensorInfo
  const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean }
  const axes = util.parseAxisParam(axis, x.shape).sort((a, b) => a - b)
  const leading = axes.every((a, i) => a === i)
  if (!leading || x.dtype !== 'float32' || axes.length === 0)
    return upstream.get('Sum')!.kernelFunc({ inputs, backend, attrs })
  const m = x.shape.slice(0, axes.length).reduce((a, b) => a * b, 1)
  const rest = x.shape.slice(axes.length)
  const r = rest.reduce((a, b) => a * b, 1)
  const s = new Scope(backend as KernelBackend)
  try {
    const flat = s.run('Reshape', { x }, { shape: [1, m, r] })
    const onesT = s.run('Fill', {}, { shape: [1, 1, m], value: 1, dtype: 'float32' })
    const product = s.run('BatchMatMul', { a: onesT, b: flat }, { transposeA: false, transposeB: false })
    const shape = keepDims ? [...axes.map(() => 1), ...rest] : rest
    return run(backend as KernelBackend, 'Reshape', { x: product }, { shape })
  } finally {
    s.dispose()
  }
}

function override(name: string, kernelFunc: KernelFunc): void {
  const previous = overrideWasmKernel(name, kernelFunc)
  if (previous) upstream.set(name, previous)
}

export function registerSliceSumWasm(): void {
  override('Slice', slice)
  override('SplitV', splitV)
  override('Sum', sum)
}
