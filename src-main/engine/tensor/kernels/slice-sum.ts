/**
 * Data-movement kernels where wasm's own are slow in JS: Slice copies the whole input out of the heap
 * first (readSync) and loops per element in rank 5 (1.9 s to cut the channels of a [2,8,64,64,96]
 * tensor), SplitV (the gradient of every channel concat) inherits it, Concat makes one typed-array
 * call per inner row, Identity (every tensor a gradient saves) copies the data, and Sum and Mean over
 * the leading axes (every norm, SE pooling and bias gradient) transpose first. Ours work on views of
 * the heap (merging axes taken whole), share memory by reference, or reduce by one global average
 * pooling; upstream's run for strings and other cases.
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

interface Heap {
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array
  makeOutput(shape: number[], dtype: string): TensorInfo
}

/** Float32 and int32 tensors as Int32Array heap views: one monomorphic type for the copy loops, exact bits. */
function words(heap: Heap, t: TensorInfo): Int32Array {
  const v = heap.typedArrayFromHeap(t)
  return new Int32Array(v.buffer, v.byteOffset, v.length)
}

function isWords(t: TensorInfo): boolean {
  return t.dtype === 'float32' || t.dtype === 'int32'
}

/**
 * Copies the slice straight between views of the wasm heap: upstream first copies the whole input
 * out of the heap (readSync) for every slice, whatever its size.
 */
function sliceHeap(backend: KernelBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const heap = backend as unknown as Heap
  const norm = normalise(x.shape, begin, size)
  const groups = mergeSliceAxes(x.shape, norm.begin, norm.size)
  const out = heap.makeOutput(norm.size, x.dtype)
  const src = words(heap, x)
  const dst = words(heap, out)
  if (dst.length === 0) return out
  const last = groups[groups.length - 1]!
  const run = last.size
  const outer = groups.slice(0, -1)
  const strides = outer.map((_, i) => groups.slice(i + 1).reduce((a, g) => a * g.dim, 1))
  const count = outer.reduce((a, g) => a * g.size, 1)
  const index = outer.map(() => 0)
  for (let r = 0, o = 0; r < count; r++, o += run) {
    let from = last.begin
    for (let i = 0; i < outer.length; i++) from += (outer[i]!.begin + index[i]!) * strides[i]!
    if (run >= 64) dst.set(src.subarray(from, from + run), o)
    else for (let k = 0; k < run; k++) dst[o + k] = src[from + k]!
    for (let i = outer.length - 1; i >= 0; i--) {
      if (++index[i]! < outer[i]!.size) break
      index[i] = 0
    }
  }
  return out
}

const slice: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x as TensorInfo
  const { begin, size } = attrs as unknown as { begin: number[]; size: number[] }
  if (!isWords(x)) return upstream.get('Slice')!.kernelFunc({ inputs, backend, attrs })
  return sliceHeap(backend as KernelBackend, x, begin, size)
}

/** Concat through heap views; upstream copies one inner row at a time with a typed-array call each. */
const concat: KernelFunc = ({ inputs, backend, attrs }) => {
  const xs = (inputs as unknown as TensorInfo[]).filter((t) => util.sizeFromShape(t.shape) > 0)
  const first = (inputs as unknown as TensorInfo[])[0]
  if (!first || !isWords(first) || xs.length < 2 || xs.some((t) => t.dtype !== first.dtype))
    return upstream.get('Concat')!.kernelFunc({ inputs, backend, attrs })
  const heap = backend as unknown as Heap
  const axis = util.parseAxisParam((attrs as unknown as { axis: number }).axis, first.shape)[0]!
  const shape = [...first.shape]
  shape[axis] = xs.reduce((a, t) => a + t.shape[axis]!, 0)
  const out = heap.makeOutput(shape, first.dtype)
  const dst = words(heap, out)
  const outer = util.sizeFromShape(first.shape.slice(0, axis))
  const rowOut = util.sizeFromShape(shape.slice(axis))
  let column = 0
  for (const t of xs) {
    const src = words(heap, t)
    const row = util.sizeFromShape(t.shape.slice(axis))
    if (row >= 64) {
      for (let b = 0; b < outer; b++) dst.set(src.subarray(b * row, (b + 1) * row), b * rowOut + column)
    } else {
      for (let b = 0, i = 0; b < outer; b++) {
        const o = b * rowOut + column
        for (let k = 0; k < row; k++) dst[o + k] = src[i++]!
      }
    }
    column += row
  }
  return out
}

/** A new reference to the same memory, as the cpu and webgl backends do; wasm's copies every byte. */
const identity: KernelFunc = ({ inputs, backend }) => {
  const x = inputs.x as TensorInfo
  if (x.dtype === 'string') return upstream.get('Identity')!.kernelFunc({ inputs, backend, attrs: {} })
  ;(backend as KernelBackend).incRef(x.dataId)
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype }
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
    outputs.push(sliceHeap(backend as KernelBackend, x, begin, size))
    offset += part
  }
  return outputs
}

/**
 * The reduction as [M, R] -> [R] when, once axes of size 1 are dropped, the reduced axes lead (sums
 * over z, y, x of [1, D, H, W, C] tensors: every norm, SE pooling and bias gradient). Null otherwise.
 */
export function leadingReduction(shape: number[], axes: number[]): { m: number; rest: number[] } | null {
  const reduced = new Set(axes)
  const big = shape.map((d, i) => ({ d, i })).filter(({ d }) => d !== 1)
  const k = big.findIndex(({ i }) => !reduced.has(i))
  const lead = k < 0 ? big : big.slice(0, k)
  if (big.slice(lead.length).some(({ i }) => reduced.has(i))) return null
  const m = lead.reduce((a, { d }) => a * d, 1)
  return { m, rest: shape.filter((_, i) => !reduced.has(i)) }
}

/** M = a * b with a the largest divisor not above sqrt(M): the pooling window over [1, a, b, R]. */
export function poolWindow(m: number): [number, number] {
  for (let a = Math.floor(Math.sqrt(m)); a > 1; a--) if (m % a === 0) return [a, m / a]
  return [1, m]
}

/**
 * Sum or mean over leading axes as one global average pooling of [1, a, b, R] (XNNPACK, memory speed:
 * 6.6 ms for 4M values where a ones-matmul spends 26 ms packing its operand and upstream transposes).
 */
function leadingSum(name: 'Sum' | 'Mean'): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const x = inputs.x as TensorInfo
    const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean }
    const axes = util.parseAxisParam(axis, x.shape)
    const plan = x.dtype === 'float32' && axes.length > 0 ? leadingReduction(x.shape, axes) : null
    if (!plan || plan.m < 2) return upstream.get(name)!.kernelFunc({ inputs, backend, attrs })
    const r = plan.rest.reduce((a, b) => a * b, 1)
    const [a, b] = poolWindow(plan.m)
    const s = new Scope(backend as KernelBackend)
    try {
      const flat = s.run('Reshape', { x }, { shape: [1, a, b, r] })
      let reduced = s.run(
        'AvgPool',
        { x: flat },
        { filterSize: [a, b], strides: 1, pad: 'valid', dimRoundingMode: undefined },
      )
      if (name === 'Sum') {
        const m = s.run('Fill', {}, { shape: [], value: plan.m, dtype: 'float32' })
        reduced = s.run('Multiply', { a: reduced, b: m }, {})
      }
      const shape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : plan.rest
      return run(backend as KernelBackend, 'Reshape', { x: reduced }, { shape })
    } finally {
      s.dispose()
    }
  }
}

function override(name: string, kernelFunc: KernelFunc): void {
  const previous = overrideWasmKernel(name, kernelFunc)
  if (previous) upstream.set(name, previous)
}

export function registerSliceSumWasm(): void {
  override('Slice', slice)
  override('Concat', concat)
  override('Identity', identity)
  override('SplitV', splitV)
  override('Sum', leadingSum('Sum'))
  override('Mean', leadingSum('Mean'))
}
