/**
 * A correct `MaxPoolGrad` for the wasm backend. Upstream's wasm kernel (tfjs 4.22) sends the gradient
 * to the wrong inputs for some shapes, e.g. [1, 8, 6, 4] or [1, 8, 8, 2] with a 2x2 window at stride
 * 2 (while [1, 4, 4, 2] is right), so it cannot be trusted. This one runs in JavaScript on the wasm
 * heap: every output sends its dy to the first maximum of its window, exactly as the cpu backend and
 * TensorFlow do. Memory-bound and cheap next to the convolutions around it.
 */
import { backend_util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { overrideWasmKernel, type KernelArgs } from './compose.ts'

const NAME = 'MaxPoolGrad'

interface Attrs {
  filterSize: [number, number] | number
  strides: [number, number] | number
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
}

export function maxPoolGradWasm(args: KernelArgs): TensorInfo {
  const backend = args.backend as BackendWasm
  const { dy, input } = args.inputs
  const attrs = args.attrs as unknown as Attrs
  if (!dy || !input) throw new Error(`${NAME}: expected inputs dy and input`)
  if (input.dtype !== 'float32' || dy.dtype !== 'float32')
    throw new Error(`${NAME} (wasm): only float32 is supported`)
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  )
  const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info
  const { top, left } = info.padInfo
  if (dy.shape[1] !== oh || dy.shape[2] !== ow) {
    throw new Error(
      `${NAME}: dy has shape [${dy.shape.join(', ')}], expected [${batchSize}, ${oh}, ${ow}, ${c}]`,
    )
  }
  const out = backend.makeOutput(input.shape, 'float32')
  // Views only after the allocation above: growing the wasm memory detaches older ones.
  const x = backend.typedArrayFromHeap(input) as Float32Array
  const g = backend.typedArrayFromHeap(dy) as Float32Array
  const dx = backend.typedArrayFromHeap(out) as Float32Array
  dx.fill(0)
  if (
    fh === 2 &&
    fw === 2 &&
    sh === 2 &&
    sw === 2 &&
    top === 0 &&
    left === 0 &&
    h === 2 * oh &&
    w === 2 * ow
  ) {
    pool2x2(x, g, dx, batchSize * oh, ow, c)
    return out
  }
  for (let b = 0; b < batchSize; b++) {
    const xBase = b * h * w * c
    for (let yr = 0; yr < oh; yr++) {
      const r0 = yr * sh - top
      const rStart = Math.max(0, r0)
      const rEnd = Math.min(h, r0 + fh)
      for (let yc = 0; yc < ow; yc++) {
        const c0 = yc * sw - left
        const cStart = Math.max(0, c0)
        const cEnd = Math.min(w, c0 + fw)
        const gBase = ((b * oh + yr) * ow + yc) * c
        for (let d = 0; d < c; d++) {
          let best = Number.NEGATIVE_INFINITY
          let at = -1
          for (let r = rStart; r < rEnd; r++) {
            for (let col = cStart; col < cEnd; col++) {
              const k = xBase + (r * w + col) * c + d
              const v = x[k]!
              if (v > best) {
                best = v
                at = k
              }
            }
          }
          if (at >= 0) dx[at]! += g[gBase + d]!
        }
      }
    }
  }
  return out
}

/**
 * The U-Net's pooling (2x2 windows at stride 2 tiling the input): the same first-maximum rule with
 * the window unrolled: 1.6x faster than the general loop on its 16x128x128x16 activations (30 -> 18 ms).
 */
function pool2x2(
  x: Float32Array,
  g: Float32Array,
  dx: Float32Array,
  rows: number,
  ow: number,
  c: number,
): void {
  const rowStride = 2 * ow * c
  let o = 0
  for (let r = 0; r < rows; r++) {
    const top = 2 * r * rowStride
    for (let col = 0; col < ow; col++) {
      const a = top + 2 * col * c
      for (let d = 0; d < c; d++, o++) {
        // Window order as the general loop: (0,0), (0,1), (1,0), (1,1); strict > keeps the first maximum.
        const k0 = a + d
        const k1 = k0 + c
        const k2 = k0 + rowStride
        const k3 = k2 + c
        let at = -1
        let best = Number.NEGATIVE_INFINITY
        if (x[k0]! > best) {
          best = x[k0]!
          at = k0
        }
        if (x[k1]! > best) {
          best = x[k1]!
          at = k1
        }
        if (x[k2]! > best) {
          best = x[k2]!
          at = k2
        }
        if (x[k3]! > best) at = k3
        if (at >= 0) dx[at]! += g[o]!
      }
    }
  }
}

/** Puts our kernel in place of upstream's. Idempotent; returns whether it registered now. */
export function registerMaxPoolGradWasm(): boolean {
  return overrideWasmKernel(NAME, maxPoolGradWasm as unknown as KernelFunc) !== null
}
