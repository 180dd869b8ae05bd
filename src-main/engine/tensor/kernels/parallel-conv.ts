/**
 * The three convolution kernels split over the kernel threads (parallel/threads.ts) along the batch
 * axis, which is N*D for our 3D convolutions: wasm runs single-threaded in Node, so without this one
 * core of a workstation does all the work. The main thread computes the first part itself while the
 * threads compute the others from copies in shared memory; a part is a plain call of the upstream
 * (or our composed) kernel, so convolutions and input gradients equal the single-threaded ones bit for
 * bit, and filter gradients (sums of the parts) within float rounding. Small calls stay on the main
 * thread, where the copies would cost more.
 */
import type { KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { heapView, overrideWasmKernel, releaseHeapView } from './compose.ts'
import { kernelThreads } from '../parallel/threads.ts'
import { clock, type TensorSlot } from '../parallel/protocol.ts'

/** Below this many multiply-adds a call is not worth the copies and the hand-over (~1 ms of work). */
const MIN_MACS = 2e7

const upstream = new Map<string, KernelConfig>()

function elements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}

interface Input {
  name: string
  t: TensorInfo
  split: boolean
}

/**
 * Rows per part in proportion to `speeds` (the main thread's part first), at least one each; fewer
 * parts when there are fewer rows than parts.
 */
export function partition(n: number, speeds: number[]): number[] {
  const w = speeds.slice(0, Math.min(speeds.length, n))
  const total = w.reduce((a, b) => a + b, 0)
  let cumulative = 0
  let given = 0
  return w.map((s, i) => {
    cumulative += s
    const end = i === w.length - 1 ? n : Math.round((n * cumulative) / total)
    const rows = Math.min(Math.max(end - given, 1), n - given - (w.length - 1 - i))
    given += rows
    return rows
  })
}

/**
 * Rows per millisecond of each participant (main thread first) per kernel and shapes, smoothed: the threads are
 * not equally fast (a worker also copies its part in and out, and cores differ under load), and an
 * even split leaves the faster side waiting.
 */
const speeds = new Map<string, number[]>()
const SMOOTHING = 0.3

function learn(kernel: string, rows: number[], millis: number[]): void {
  // Parts under a millisecond say more about the clock than about the thread.
  if (millis.some((m) => !(m >= 1))) return
  const old = speeds.get(kernel)
  const next = rows.map((r, i) => {
    const speed = r / millis[i]!
    const before = old?.[i]
    return before === undefined ? speed : before + SMOOTHING * (speed - before)
  })
  speeds.set(kernel, next)
}

function splitBatch(
  backend: BackendWasm,
  kernel: string,
  inputs: Input[],
  attrsFor: (rows: number) => object,
  outShapeFor: (rows: number) => number[],
  combine: 'concat' | 'sum',
): TensorInfo {
  const n = inputs.find((i) => i.split)!.t.shape[0]!
  const threads = kernelThreads()
  // Per shape: a 1x1 layer is mostly copying and a wide 3x3 one mostly arithmetic, so the split that
  // balances one leaves the other's threads waiting.
  const key = `${kernel} ${inputs.map((i) => i.t.shape.join('x')).join(' ')}`
  const known = speeds.get(key)
  const rows = partition(
    n,
    known?.length === threads.length + 1 ? known : new Array<number>(threads.length + 1).fill(1),
  )
  const own = upstream.get(kernel)!.kernelFunc
  const view = (t: TensorInfo): Float32Array => backend.typedArrayFromHeap(t) as Float32Array

  // The other parts first, so the threads work while the main thread does its own.
  const posted: {
    thread: (typeof threads)[number]
    start: number
    rows: number
    out: number
    postedAt: number
  }[] = []
  let start = rows[0]!
  for (let p = 1; p < rows.length; p++) {
    const thread = threads[p - 1]!
    const count = rows[p]!
    const sizes = inputs.map((i) => (i.split ? (elements(i.t.shape) / n) * count : elements(i.t.shape)))
    const outLength = elements(outShapeFor(count))
    const buf = thread.buffer(sizes.reduce((a, b) => a + b, 0) + outLength)
    const slots: TensorSlot[] = []
    let offset = 0
    inputs.forEach((input, k) => {
      const all = view(input.t)
      const row = elements(input.t.shape) / n
      buf.set(input.split ? all.subarray(start * row, (start + count) * row) : all, offset)
      slots.push({
        name: input.name,
        shape: input.split ? [count, ...input.t.shape.slice(1)] : [...input.t.shape],
        offset,
      })
      offset += sizes[k]!
    })
    const postedAt = clock()
    thread.post(kernel, attrsFor(count), slots, { offset, length: outLength })
    posted.push({ thread, start, rows: count, out: offset, postedAt })
    start += count
  }

  const mine = rows[0]!
  const startedAt = clock()
  const views: TensorInfo[] = []
  let result: TensorInfo | undefined
  let error: unknown
  try {
    const partInputs: Record<string, TensorInfo> = {}
    for (const input of inputs) {
      if (!input.split) {
        partInputs[input.name] = input.t
        continue
      }
      const part = heapView(backend, input.t, 0, [mine, ...input.t.shape.slice(1)])
      views.push(part)
      partInputs[input.name] = part
    }
    result = own({
      inputs: partInputs,
      backend: backend as unknown as KernelBackend,
      attrs: attrsFor(mine) as NamedAttrMap,
    }) as TensorInfo
  } catch (e) {
    error = e
  } finally {
    for (const view of views) releaseHeapView(backend, view)
  }
  const mainMillis = clock() - startedAt
  // Every posted part is waited for, even after a failure here, so no thread is left mid-request.
  const answers = posted.map((p) => {
    try {
      return p.thread.wait()
    } catch (e) {
      return e as Error
    }
  })
  const failed = error ?? answers.find((a): a is Error => a instanceof Error)
  if (failed !== undefined || result === undefined) {
    if (result) backend.disposeData(result.dataId)
    throw failed
  }
  learn(
    key,
    [mine, ...posted.map((p) => p.rows)],
    [mainMillis, ...posted.map((p) => p.thread.finishedAt() - p.postedAt)],
  )
  if (combine === 'sum') {
    const sum = view(result)
    for (let p = 0; p < posted.length; p++) {
      const part = (answers[p] as Float32Array).subarray(posted[p]!.out, posted[p]!.out + sum.length)
      for (let i = 0; i < sum.length; i++) sum[i]! += part[i]!
    }
    return result
  }
  const out = backend.makeOutput(outShapeFor(n), 'float32')
  const dst = view(out)
  dst.set(view(result))
  backend.disposeData(result.dataId)
  const row = dst.length / n
  posted.forEach((p, k) => {
    dst.set((answers[k] as Float32Array).subarray(p.out, p.out + p.rows * row), p.start * row)
  })
  return out
}

/** Only 'same' or 'valid' NHWC calls of float32 tensors, with two or more batch rows and enough work, are split. */
function worthSplitting(
  attrs: { pad: unknown; dataFormat?: string },
  batch: number,
  macs: number,
  ...ts: TensorInfo[]
): boolean {
  return (
    kernelThreads().length > 0 &&
    (attrs.pad === 'same' || attrs.pad === 'valid') &&
    (attrs.dataFormat ?? 'NHWC') === 'NHWC' &&
    batch >= 2 &&
    macs >= MIN_MACS &&
    ts.every((t) => t.dtype === 'float32')
  )
}

interface ConvAttrs {
  strides: number | [number, number]
  dataFormat?: string
}

function outSpatial(inSize: number, stride: number, pad: unknown, k: number): number {
  return pad === 'same' ? Math.ceil(inSize / stride) : Math.ceil((inSize - k + 1) / stride)
}

function strideOf(s: number | [number, number]): [number, number] {
  return typeof s === 'number' ? [s, s] : s
}

const conv2D: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x as TensorInfo
  const filter = inputs.filter as TensorInfo
  const a = attrs as unknown as ConvAttrs & { pad: unknown; dilations?: unknown }
  const [n, h, w] = x.shape as [number, number, number, number]
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number]
  const [sh, sw] = strideOf(a.strides)
  const oh = outSpatial(h, sh, a.pad, kh)
  const ow = outSpatial(w, sw, a.pad, kw)
  if (!worthSplitting(a, n, n * oh * ow * kh * kw * cin * cout, x, filter))
    return upstream.get('Conv2D')!.kernelFunc({ inputs, backend, attrs })
  return splitBatch(
    backend as unknown as BackendWasm,
    'Conv2D',
    [
      { name: 'x', t: x, split: true },
      { name: 'filter', t: filter, split: false },
    ],
    () => a,
    (rows) => [rows, oh, ow, cout],
    'concat',
  )
}

const conv2DBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const dy = inputs.dy as TensorInfo
  const filter = inputs.filter as TensorInfo
  const a = attrs as unknown as ConvAttrs & { inputShape: number[]; pad: unknown }
  const [n, oh, ow] = dy.shape as [number, number, number, number]
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number]
  if (!worthSplitting(a, n, n * oh * ow * kh * kw * cin * cout, dy, filter))
    return upstream.get('Conv2DBackpropInput')!.kernelFunc({ inputs, backend, attrs })
  return splitBatch(
    backend as unknown as BackendWasm,
    'Conv2DBackpropInput',
    [
      { name: 'dy', t: dy, split: true },
      { name: 'filter', t: filter, split: false },
    ],
    (rows) => ({ ...a, inputShape: [rows, ...a.inputShape.slice(1)] }),
    (rows) => [rows, ...a.inputShape.slice(1)],
    'concat',
  )
}

const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x as TensorInfo
  const dy = inputs.dy as TensorInfo
  const a = attrs as unknown as ConvAttrs & { filterShape: number[]; pad: unknown }
  const [n, oh, ow] = dy.shape as [number, number, number, number]
  const macs = n * oh * ow * elements(a.filterShape)
  if (!worthSplitting(a, n, macs, x, dy))
    return upstream.get('Conv2DBackpropFilter')!.kernelFunc({ inputs, backend, attrs })
  return splitBatch(
    backend as unknown as BackendWasm,
    'Conv2DBackpropFilter',
    [
      { name: 'x', t: x, split: true },
      { name: 'dy', t: dy, split: true },
    ],
    () => a,
    () => a.filterShape,
    'sum',
  )
}

/** Wraps whatever Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter wasm has now (ours included). */
export function registerParallelConvWasm(): void {
  for (const [name, func] of [
    ['Conv2D', conv2D],
    ['Conv2DBackpropInput', conv2DBackpropInput],
    ['Conv2DBackpropFilter', conv2DBackpropFilter],
  ] as const) {
    const previous = overrideWasmKernel(name, func)
    if (previous) upstream.set(name, previous)
    else if (previous === undefined) throw new Error(`wasm has no '${name}' kernel to run in parallel`)
  }
}
