/**
 * tfjs-backend-webgpu 4.22 generates invalid WGSL for some rank-5 programs, and the U-Net's tensors
 * are rank 5 ([N, D, H, W, C]): a binary op with a short rank-1 operand (its shared-memory path
 * indexes a `vec5` struct), PadV2 (the same indexing) and Transpose (an i32/f32 mismatch). The device
 * then drops the whole command buffer and every later result is silently wrong.
 *
 * These wrappers fold such a call to rank 4 or less before upstream's kernel runs: adjacent axes that
 * a pad leaves alone, that a transpose keeps together, or that broadcast alike are one axis in
 * row-major memory, so the reshapes are free (metadata only) and the values are upstream's own.
 */
import {
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core'

const WEBGPU = 'webgpu'
const MAX_RANK = 4

const upstream = new Map<string, KernelConfig>()

function runUpstream(
  name: string,
  backend: KernelBackend,
  inputs: NamedTensorInfoMap,
  attrs: object | undefined,
): TensorInfo {
  const config = upstream.get(name) ?? getKernel(name, WEBGPU)
  if (!config) throw new Error(`the webgpu backend has no '${name}' kernel`)
  const out = config.kernelFunc({ inputs, backend, attrs: (attrs ?? {}) as unknown as NamedAttrMap })
  if (Array.isArray(out))
    throw new Error(`webgpu kernel '${name}' returned ${out.length} outputs, expected 1`)
  return out
}

/** A free reshape (a new reference to the same buffer); release with backend.disposeData. */
function reshape(backend: KernelBackend, x: TensorInfo, shape: number[]): TensorInfo {
  return runUpstream('Reshape', backend, { x }, { shape })
}

function product(xs: readonly number[]): number {
  return xs.reduce((a, b) => a * b, 1)
}

/** Runs `body` on reshaped inputs and reshapes its result to `outShape`, releasing the intermediates. */
function folded(
  backend: KernelBackend,
  shaped: Array<[TensorInfo, number[]]>,
  outShape: number[],
  body: (inputs: TensorInfo[]) => TensorInfo,
): TensorInfo {
  const views = shaped.map(([t, shape]) => reshape(backend, t, shape))
  try {
    const y = body(views)
    try {
      return reshape(backend, y, outShape)
    } finally {
      backend.disposeData(y.dataId)
    }
  } finally {
    for (const v of views) backend.disposeData(v.dataId)
  }
}

// --- PadV2 ------------------------------------------------------------------------------------

type Paddings = Array<[number, number]>

/** Merges each unpadded axis into the one before it: [a, b] with b unpadded is a*b, padding scaled by b. */
export function foldPad(
  shape: readonly number[],
  paddings: Paddings,
): { shape: number[]; paddings: Paddings } {
  const outShape: number[] = []
  const outPad: Paddings = []
  shape.forEach((size, i) => {
    const [before, after] = paddings[i]!
    if (outShape.length > 0 && before === 0 && after === 0) {
      const last = outShape.length - 1
      outShape[last]! *= size
      outPad[last] = [outPad[last]![0] * size, outPad[last]![1] * size]
    } else {
      outShape.push(size)
      outPad.push([before, after])
    }
  })
  return { shape: outShape, paddings: outPad }
}

const pad: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend
  const x = inputs.x as TensorInfo
  const { paddings, constantValue } = attrs as unknown as { paddings: Paddings; constantValue: number }
  if (x.shape.length <= MAX_RANK) return runUpstream('PadV2', backend, inputs, attrs)
  const outShape = x.shape.map((s, i) => s + paddings[i]![0] + paddings[i]![1])
  const f = foldPad(x.shape, paddings)
  if (f.shape.length <= MAX_RANK) {
    return folded(backend, [[x, f.shape]], outShape, ([v]) =>
      runUpstream('PadV2', backend, { x: v! }, { paddings: f.paddings, constantValue }),
    )
  }
  // More than four padded axes apart: one axis at a time, each folding to rank 2 or 3.
  let current = x
  let shape = [...x.shape]
  for (let i = 0; i < shape.length; i++) {
    if (paddings[i]![0] === 0 && paddings[i]![1] === 0) continue
    const one = shape.map((_, j) => (j === i ? paddings[i]! : ([0, 0] as [number, number])))
    const next = pad({
      inputs: { x: current },
      backend,
      attrs: { paddings: one, constantValue },
    }) as TensorInfo
    if (current !== x) backend.disposeData(current.dataId)
    current = next
    shape = [...next.shape]
  }
  return current === x ? reshape(backend, x, x.shape) : current
}

// --- Transpose --------------------------------------------------------------------------------

/**
 * Drops unit axes and merges runs of input axes that stay adjacent and in order in `perm`.
 * Returns the folded input shape and the permutation of the folded axes.
 */
export function foldTranspose(
  shape: readonly number[],
  perm: readonly number[],
): { shape: number[]; perm: number[] } {
  const kept = perm.filter((a) => shape[a] !== 1)
  // Runs in output order whose input axes are consecutive.
  const runs: number[][] = []
  for (const a of kept) {
    const last = runs.at(-1)
    if (last && last.at(-1)! + 1 === a) last.push(a)
    else runs.push([a])
  }
  // The folded input lists the runs in input order.
  const byInput = [...runs].sort((r, s) => r[0]! - s[0]!)
  return {
    shape: byInput.map((r) => product(r.map((a) => shape[a]!))),
    perm: runs.map((r) => byInput.indexOf(r)),
  }
}

/**
 * A permutation that does not fold, as moves of one axis to the front, last output axis first: each move
 * ([A, b, C] to [b, A, C]) folds to rank 3. One pass over the data per axis, for shapes the U-Net never
 * transposes whole.
 */
function transposeByMoves(backend: KernelBackend, x: TensorInfo, perm: readonly number[]): TensorInfo {
  let current = x
  let order = perm.map((_, i) => i)
  for (let i = perm.length - 1; i >= 0; i--) {
    const at = order.indexOf(perm[i]!)
    if (at === 0 && i === 0) break
    const move = [at, ...order.map((_, j) => j).filter((j) => j !== at)]
    const next = transpose({ inputs: { x: current }, backend, attrs: { perm: move } }) as TensorInfo
    if (current !== x) backend.disposeData(current.dataId)
    current = next
    order = move.map((j) => order[j]!)
  }
  return current === x ? reshape(backend, x, x.shape) : current
}

const transpose: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend
  const x = inputs.x as TensorInfo
  const { perm } = attrs as unknown as { perm: number[] }
  if (x.shape.length <= MAX_RANK) return runUpstream('Transpose', backend, inputs, attrs)
  const outShape = perm.map((a) => x.shape[a]!)
  const f = foldTranspose(x.shape, perm)
  if (f.shape.length > MAX_RANK) return transposeByMoves(backend, x, perm)
  if (f.shape.length === 0) return reshape(backend, x, outShape)
  return folded(backend, [[x, f.shape]], outShape, ([v]) =>
    runUpstream('Transpose', backend, { x: v! }, { perm: f.perm }),
  )
}

// --- Broadcasting binary ops ------------------------------------------------------------------

/** `shape` with leading 1s up to `rank`, as broadcasting aligns it. */
function rightAligned(shape: readonly number[], rank: number): number[] {
  return [...Array<number>(rank - shape.length).fill(1), ...shape]
}

/**
 * Both operands' shapes, right-aligned to the output's rank, folded: unit output axes dropped and
 * adjacent axes merged while each operand either spans both or broadcasts over both.
 */
export function foldBroadcast(
  a: readonly number[],
  b: readonly number[],
): { a: number[]; b: number[]; out: number[] } | null {
  const rank = Math.max(a.length, b.length)
  const pa = rightAligned(a, rank)
  const pb = rightAligned(b, rank)
  const out = pa.map((s, i) => Math.max(s, pb[i]!))
  if (pa.some((s, i) => s !== out[i] && s !== 1) || pb.some((s, i) => s !== out[i] && s !== 1)) return null
  const fa: number[] = []
  const fb: number[] = []
  const fo: number[] = []
  let kind = ''
  for (let i = 0; i < rank; i++) {
    if (out[i] === 1) continue
    const k = `${pa[i] === out[i] ? 'a' : ''}${pb[i] === out[i] ? 'b' : ''}`
    if (k === kind && fo.length > 0) {
      const l = fo.length - 1
      fo[l]! *= out[i]!
      fa[l]! *= pa[i]!
      fb[l]! *= pb[i]!
    } else {
      fo.push(out[i]!)
      fa.push(pa[i]!)
      fb.push(pb[i]!)
      kind = k
    }
  }
  return { a: fa, b: fb, out: fo }
}

/** Upstream's shared-memory path: a rank-1 operand of under 128 values against a higher-rank one. */
function takesSharedPath(a: readonly number[], b: readonly number[]): boolean {
  return (a.length <= 1 && b.length > 1 && a[0]! < 128) || (b.length <= 1 && a.length > 1 && b[0]! < 128)
}

function binary(name: string): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = anyBackend as KernelBackend
    const a = inputs.a as TensorInfo
    const b = inputs.b as TensorInfo
    const rank = Math.max(a.shape.length, b.shape.length)
    if (rank <= MAX_RANK || !takesSharedPath(a.shape, b.shape))
      return runUpstream(name, backend, inputs, attrs)
    const pa = rightAligned(a.shape, rank)
    const pb = rightAligned(b.shape, rank)
    const outShape = pa.map((s, i) => Math.max(s, pb[i]!))
    const f = foldBroadcast(a.shape, b.shape)
    // Folded to rank 4 or less, the shared path indexes a vecN that WGSL can index; otherwise both
    // operands at the output's rank, which keeps the short one off the shared path (rank 1 only).
    const [sa, sb] = f && f.out.length >= 1 && f.out.length <= MAX_RANK ? [f.a, f.b] : [pa, pb]
    return folded(
      backend,
      [
        [a, sa],
        [b, sb],
      ],
      outShape,
      ([va, vb]) => runUpstream(name, backend, { a: va!, b: vb! }, attrs),
    )
  }
}

const BINARY = [
  'Add',
  'Sub',
  'Multiply',
  'RealDiv',
  'Maximum',
  'Minimum',
  'Pow',
  'SquaredDifference',
  'Equal',
  'NotEqual',
  'Greater',
  'GreaterEqual',
  'Less',
  'LessEqual',
  'LogicalAnd',
  'LogicalOr',
  'FloorDiv',
  'Mod',
  'Atan2',
]

function wrap(name: string, kernelFunc: KernelFunc): void {
  const current = getKernel(name, WEBGPU)
  if (!current || current.kernelFunc === kernelFunc) return
  upstream.set(name, current)
  unregisterKernel(name, WEBGPU)
  registerKernel({
    kernelName: name,
    backendName: WEBGPU,
    kernelFunc,
    ...(current.setupFunc ? { setupFunc: current.setupFunc } : {}),
    ...(current.disposeFunc ? { disposeFunc: current.disposeFunc } : {}),
  })
}

// --- Reductions (upstream transposes rank-5 inputs internally) -----------------------------------

/** Merges adjacent axes that are both reduced or both kept; the folded axes to reduce. */
export function foldReduce(
  shape: readonly number[],
  axes: readonly number[],
): { shape: number[]; axes: number[] } {
  const reduced = new Set(axes.map((a) => (a < 0 ? a + shape.length : a)))
  const out: number[] = []
  const outAxes: number[] = []
  let last: boolean | null = null
  shape.forEach((size, i) => {
    if (size === 1) return
    const r = reduced.has(i)
    if (r === last) out[out.length - 1]! *= size
    else {
      out.push(size)
      if (r) outAxes.push(out.length - 1)
      last = r
    }
  })
  return { shape: out, axes: outAxes }
}

function reduction(name: string): KernelFunc {
  return ({ inputs, backend: anyBackend, attrs }) => {
    const backend = anyBackend as KernelBackend
    const x = inputs.x as TensorInfo
    if (x.shape.length <= MAX_RANK) return runUpstream(name, backend, inputs, attrs)
    // Max names its axes 'reductionIndices'; the other reductions 'axis'.
    const key = name === 'Max' ? 'reductionIndices' : 'axis'
    const given = attrs as unknown as Record<string, number | number[] | null | undefined>
    const axis = given[key]
    const keepDims = Boolean((attrs as unknown as { keepDims?: boolean }).keepDims)
    // A null axis (a full reduction) means every axis.
    const axes = util.parseAxisParam(axis ?? x.shape.map((_, i) => i), x.shape)
    const outShape = keepDims
      ? x.shape.map((s, i) => (axes.includes(i) ? 1 : s))
      : x.shape.filter((_, i) => !axes.includes(i))
    const f = foldReduce(x.shape, axes)
    if (f.shape.length > MAX_RANK) {
      // Reduced and kept axes alternate too often: reduce the last axis alone first (every reduction
      // here, the mean included since the parts are equal, is separable), then the rest.
      const lastAxis = Math.max(...axes)
      const fn = wrappers.get(name)!
      const partial = fn({
        inputs: { x },
        backend,
        attrs: { [key]: [lastAxis], keepDims: true },
      }) as TensorInfo
      try {
        return fn({
          inputs: { x: partial },
          backend,
          attrs: { [key]: axes.filter((a) => a !== lastAxis), keepDims },
        }) as TensorInfo
      } finally {
        backend.disposeData(partial.dataId)
      }
    }
    if (f.axes.length === 0) return runUpstream('Reshape', backend, { x }, { shape: outShape })
    return folded(backend, [[x, f.shape.length > 0 ? f.shape : [1]]], outShape, ([v]) =>
      runUpstream(name, backend, { x: v! }, { [key]: f.axes, keepDims: false }),
    )
  }
}

const REDUCE = ['Sum', 'Mean', 'Max', 'Min', 'Prod', 'All', 'Any']

const wrappers = new Map<string, KernelFunc>([
  ...REDUCE.map((n) => [n, reduction(n)] as [string, KernelFunc]),
  ['PadV2', pad],
  ['Transpose', transpose],
  ...BINARY.map((n) => [n, binary(n)] as [string, KernelFunc]),
])

/** Puts the folding wrappers in front of upstream's webgpu kernels (after the backend module loaded). Idempotent. */
export function registerRankFoldingWebGpu(): void {
  for (const [name, fn] of wrappers) wrap(name, fn)
}
