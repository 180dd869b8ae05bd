/**
 * A faster `Conv2DBackpropInput` for the wasm backend. Upstream's wasm kernel is a plain loop (about
 * 1.7 GFLOP/s here, 15x slower than the forward conv2d), and it is the input gradient of every conv
 * layer. This one is the textbook identity "the input gradient of a convolution is a convolution of
 * dy with the filter rotated by 180 degrees and its channels swapped", run through the wasm Conv2D
 * (XNNPACK, 15-25 GFLOP/s): stride s becomes s-1 zeros between the samples of dy, and the padding
 * becomes kh-1-top in front. Cases it does not cover (NCHW, dilations, padding beyond the filter)
 * fall back to upstream's kernel, which this wraps.
 */
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core'
import {
  conv2DInfo,
  dilationIsOne,
  overrideWasmKernel,
  run,
  Scope,
  zeroInsert,
  type Conv2DAttrs,
  type KernelArgs,
} from './compose.ts'

const NAME = 'Conv2DBackpropInput'

interface Attrs extends Conv2DAttrs {
  inputShape: [number, number, number, number]
}

let upstream: KernelConfig | undefined

function fallback(args: KernelArgs, why: string): TensorInfo {
  if (!upstream) throw new Error(`${NAME} (wasm): ${why}, and there is no upstream kernel to fall back to`)
  const out = upstream.kernelFunc(args as Parameters<KernelFunc>[0])
  if (Array.isArray(out)) throw new Error(`${NAME} (wasm): upstream kernel returned ${out.length} outputs`)
  return out
}

export function conv2DBackpropInputWasm(args: KernelArgs): TensorInfo {
  const backend = args.backend as KernelBackend
  const { dy, filter } = args.inputs
  const attrs = args.attrs as unknown as Attrs
  if (!dy || !filter) throw new Error(`${NAME}: expected inputs dy and filter`)
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return fallback(args, 'NCHW')
  if (!dilationIsOne(attrs.dilations)) return fallback(args, 'dilations')
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') return fallback(args, 'not float32')
  const info = conv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs)
  const { inHeight: h, inWidth: w, outHeight: outH, outWidth: outW } = info
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info
  const { top, left } = info.padInfo
  // dx[i] = sum_k Z[i + top - k] w[k], Z = dy with the stride's zeros: a correlation with the flipped
  // filter whose padding is kh-1-top in front and whatever makes the output H long behind.
  const padTop = kh - 1 - top
  const padLeft = kw - 1 - left
  const padBottom = h - 1 + top - (outH - 1) * sh
  const padRight = w - 1 + left - (outW - 1) * sw
  if (Math.min(padTop, padLeft, padBottom, padRight) < 0) return fallback(args, 'padding beyond the filter')

  const s = new Scope(backend)
  try {
    const z = s.keep(zeroInsert(backend, dy, sh, sw))
    const flipped = s.run('Reverse', { x: filter }, { dims: [0, 1] })
    const swapped = s.run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] }) // [kh, kw, Cout, Cin]
    const dx = run(
      backend,
      'Conv2D',
      { x: z, filter: swapped },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [padTop, padBottom],
          [padLeft, padRight],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      },
    )
    const [n, , , cin] = attrs.inputShape
    if (dx.shape[0] !== n || dx.shape[1] !== h || dx.shape[2] !== w || dx.shape[3] !== cin) {
      backend.disposeData(dx.dataId)
      throw new Error(
        `${NAME} (wasm): got [${dx.shape.join(', ')}], expected [${attrs.inputShape.join(', ')}]`,
      )
    }
    return dx
  } finally {
    s.dispose()
  }
}

/**
 * Puts our kernel in front of upstream's (kept for the fallback). Idempotent; returns whether it
 * registered now. Must run after `@tensorflow/tfjs-backend-wasm` is imported.
 */
export function registerConv2DBackpropInputWasm(): boolean {
  const previous = overrideWasmKernel(NAME, conv2DBackpropInputWasm as unknown as KernelFunc)
  if (previous === null) return false
  upstream = previous
  return true
}
