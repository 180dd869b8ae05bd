/**
 * Helpers for kernels composed from the wasm backend's own kernels: they run below the engine (no
 * tape, no tensor tracking), so every intermediate must be released with `backend.disposeData`.
 */
import {
  backend_util,
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
  type KernelFunc,
  type KernelBackend,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core'

export const WASM = 'wasm'

/** What a kernel function is called with. */
export interface KernelArgs {
  inputs: NamedTensorInfoMap
  backend: unknown
  attrs?: NamedAttrMap
}

/** The attributes of a 2D convolution that its two gradient kernels share. */
export interface Conv2DAttrs {
  strides: [number, number] | number
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding
  dataFormat?: 'NHWC' | 'NCHW'
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
  dilations?: [number, number] | number
}

/** The geometry of an NHWC 2D convolution at dilation 1 (the only one the composed kernels run). */
export function conv2DInfo(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: Conv2DAttrs,
): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  )
}

/** Runs one of the wasm backend's registered kernels directly. */
export function run(
  backend: KernelBackend,
  name: string,
  inputs: NamedTensorInfoMap | TensorInfo[],
  attrs: object,
): TensorInfo {
  const config = getKernel(name, WASM)
  if (!config) throw new Error(`the wasm backend has no '${name}' kernel`)
  const out = config.kernelFunc({
    inputs: inputs as NamedTensorInfoMap,
    backend,
    attrs: attrs as unknown as NamedAttrMap,
  })
  if (Array.isArray(out)) throw new Error(`wasm kernel '${name}' returned ${out.length} outputs, expected 1`)
  return out
}

/** Intermediates of one kernel call, released together (or one by one, early, to lower the peak). */
export class Scope {
  private readonly owned: TensorInfo[] = []
  constructor(private readonly backend: KernelBackend) {}

  keep(t: TensorInfo): TensorInfo {
    this.owned.push(t)
    return t
  }

  run(name: string, inputs: NamedTensorInfoMap | TensorInfo[], attrs: object): TensorInfo {
    return this.keep(run(this.backend, name, inputs, attrs))
  }

  /** `x` with zeros around it: [before, after] per axis. */
  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    return this.run('PadV2', { x }, { paddings, constantValue: 0 })
  }

  free(t: TensorInfo): void {
    const i = this.owned.indexOf(t)
    if (i < 0) return
    this.owned.splice(i, 1)
    this.backend.disposeData(t.dataId)
  }

  dispose(): void {
    for (const t of this.owned.splice(0)) this.backend.disposeData(t.dataId)
  }
}

/**
 * [A, H, W, C] -> [A, (H-1)*sh + 1, (W-1)*sw + 1, C] with sh-1 zero rows and sw-1 zero columns
 * between the samples (the input-side view of a strided convolution). Identity (a new reference)
 * for stride 1. Only rank-3 pads and reshapes, which every wasm build handles.
 */
export function zeroInsert(backend: KernelBackend, t: TensorInfo, sh: number, sw: number): TensorInfo {
  const [a, h, w, c] = t.shape as [number, number, number, number]
  if (sh === 1 && sw === 1) return run(backend, 'Reshape', { x: t }, { shape: [a, h, w, c] })
  const s = new Scope(backend)
  try {
    const rows = s.run('Reshape', { x: t }, { shape: [a * h, 1, w * c] })
    const spreadRows = s.pad(rows, [
      [0, 0],
      [0, sh - 1],
      [0, 0],
    ])
    const cols = s.run('Reshape', { x: spreadRows }, { shape: [a * h * sh * w, 1, c] })
    const spread = s.pad(cols, [
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ])
    const full = s.run('Reshape', { x: spread }, { shape: [a, h * sh, w * sw, c] })
    return run(
      backend,
      'Slice',
      { x: full },
      { begin: [0, 0, 0, 0], size: [a, (h - 1) * sh + 1, (w - 1) * sw + 1, c] },
    )
  } finally {
    s.dispose()
  }
}

export function dilationIsOne(dilations: unknown): boolean {
  if (dilations === undefined || dilations === 1) return true
  return Array.isArray(dilations) && dilations.every((d) => d === 1)
}

/**
 * Puts `kernelFunc` in front of the wasm backend's own kernel of that name, keeping upstream's setup
 * and dispose hooks (its fallback paths need them). Idempotent. Returns upstream's config (undefined
 * when wasm had none), or null when ours was already registered.
 */
export function overrideWasmKernel(name: string, kernelFunc: KernelFunc): KernelConfig | undefined | null {
  const current = getKernel(name, WASM)
  if (current?.kernelFunc === kernelFunc) return null
  if (current) unregisterKernel(name, WASM)
  registerKernel({
    kernelName: name,
    backendName: WASM,
    kernelFunc,
    ...(current?.setupFunc ? { setupFunc: current.setupFunc } : {}),
    ...(current?.disposeFunc ? { disposeFunc: current.disposeFunc } : {}),
  })
  return current
}

interface WasmInternals {
  dataIdNextNumber: number
  dataIdMap: {
    set(k: object, v: object): void
    get(k: object): { memoryOffset: number; id: number }
    delete(k: object): void
  }
  wasm: {
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void }
  }
}

/**
 * `shape` elements of `t` from element `offset` on, as a tensor over the same heap memory (no copy):
 * registered with the wasm runtime under a new id. Release it with releaseHeapView, never
 * disposeData (which would free memory that `t` owns), and before `t` is disposed.
 */
export function heapView(backend: unknown, t: TensorInfo, offset: number, shape: number[]): TensorInfo {
  const b = backend as WasmInternals
  const size = shape.reduce((a, c) => a * c, 1)
  const total = t.shape.reduce((a, c) => a * c, 1)
  if (offset < 0 || offset + size > total)
    throw new Error(`heapView: [${offset}, +${size}) outside ${total} values`)
  const id = b.dataIdNextNumber++
  const dataId = {}
  const memoryOffset = b.dataIdMap.get(t.dataId).memoryOffset + offset * 4
  b.dataIdMap.set(dataId, { id, memoryOffset, shape, dtype: t.dtype, refCount: 1 })
  b.wasm.tfjs.registerTensor(id, size, memoryOffset)
  return { dataId, shape, dtype: t.dtype }
}

export function releaseHeapView(backend: unknown, view: TensorInfo): void {
  const b = backend as WasmInternals
  b.wasm.tfjs.disposeData(b.dataIdMap.get(view.dataId).id)
  b.dataIdMap.delete(view.dataId)
}
