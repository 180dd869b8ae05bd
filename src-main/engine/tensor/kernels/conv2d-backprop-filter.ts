/**
 * `Conv2DBackpropFilter` for the wasm backend, which does not ship one (so `tf.grad` through
 * `tf.conv2d` fails there). Composed from the wasm backend's own kernels:
 *
 *   dW[i, j] = sum over (n, y, x) of dy[n, y, x, :]^T xPadded[n, s*y + i, s*x + j, :]
 *            = sum over all padded positions q of Z_ij[q, :]^T xPadded[q, :]
 *
 * where Z_ij is dy (with s-1 zeros between samples for stride s) shifted by (i, j) inside the padded
 * frame. So the whole gradient is kh matrix products [kw*Cout, N*Hp*Wp] x [N*Hp*Wp, Cin] with the
 * padded input as the right operand of every one: the wasm BatchMatMul reaches XNNPACK only without
 * transposes (12-18 GFLOP/s here against about 1 with transposeA), and XNNPACK keeps the packed right
 * operand per tensor, so it is packed once. One strided slice of x and one product per tap (the
 * textbook composition) measured 2.5x slower here: a slice copy and a repacking per tap.
 */
import {
  backend_util,
  getKernel,
  registerKernel,
  type KernelBackend,
  type KernelConfig,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core'
import { dilationIsOne, run, Scope, WASM, zeroInsert } from './compose.ts'

const NAME = 'Conv2DBackpropFilter'

interface Attrs {
  strides: [number, number] | number
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding
  dataFormat?: 'NHWC' | 'NCHW'
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
  filterShape: [number, number, number, number]
  dilations?: [number, number] | number
}

export function conv2DBackpropFilterWasm(args: {
  inputs: NamedTensorInfoMap
  backend: unknown
  attrs?: NamedAttrMap
}): TensorInfo {
  const backend = args.backend as KernelBackend
  const { x, dy } = args.inputs
  const attrs = args.attrs as unknown as Attrs
  if (!x || !dy) throw new Error(`${NAME}: expected inputs x and dy`)
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`${NAME} (wasm): only float32 is supported, got ${x.dtype} and ${dy.dtype}`)
  }
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') {
    throw new Error(`${NAME} (wasm): only NHWC is supported, got ${attrs.dataFormat}`)
  }
  if (!dilationIsOne(attrs.dilations)) {
    throw new Error(`${NAME} (wasm): only dilation 1 is supported, got ${String(attrs.dilations)}`)
  }
  if (x.shape.length !== 4) throw new Error(`${NAME}: x must be rank 4, got [${x.shape.join(', ')}]`)
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  )
  const { batchSize: n, outHeight: outH, outWidth: outW, inChannels: cin, outChannels: cout } = info
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info
  const { top, bottom, left, right } = info.padInfo
  if (dy.shape.length !== 4 || dy.shape[0] !== n || dy.shape[1] !== outH || dy.shape[2] !== outW) {
    throw new Error(
      `${NAME}: dy has shape [${dy.shape.join(', ')}], expected [${n}, ${outH}, ${outW}, ${cout}]`,
    )
  }
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    throw new Error(`${NAME} (wasm): negative padding ${JSON.stringify(info.padInfo)} is not supported`)
  }
  const hp = info.inHeight + top + bottom
  const wp = info.inWidth + left + right
  // Extent of dy once zeros are inserted between its samples: tap (i, j) puts it at offset (i, j).
  const lh = (outH - 1) * sh + 1
  const lw = (outW - 1) * sw + 1
  if (hp < lh + kh - 1 || wp < lw + kw - 1) {
    throw new Error(`${NAME} (wasm): dy [${dy.shape.join(', ')}] does not fit the padded input ${hp} x ${wp}`)
  }

  const s = new Scope(backend)
  try {
    // Right operand of every product: the padded input as [1, N*Hp*Wp, Cin].
    const xp =
      top + bottom + left + right > 0
        ? s.run(
            'PadV2',
            { x },
            {
              paddings: [
                [0, 0],
                [top, bottom],
                [left, right],
                [0, 0],
              ],
              constantValue: 0,
            },
          )
        : x
    const b = s.run('Reshape', { x: xp }, { shape: [1, n * hp * wp, cin] })

    // Z = dy channel-first with the stride's zeros: [Cout, N, lh, lw].
    const dyT = s.run('Transpose', { x: dy }, { perm: [3, 0, 1, 2] })
    const dyT4 = s.run('Reshape', { x: dyT }, { shape: [cout * n, outH, outW, 1] })
    const spread = s.keep(zeroInsert(backend, dyT4, sh, sw))
    const z = s.run('Reshape', { x: spread }, { shape: [cout, n, lh, lw] })
    s.free(dyT4)
    s.free(dyT)

    // Filter row i: the kw shifted copies of Z stacked on the first axis, [kw*Cout, N*Hp*Wp], times B
    // gives dW[i] as [kw*Cout, Cin].
    const rowsOfW: TensorInfo[] = []
    for (let i = 0; i < kh; i++) {
      const shifted: TensorInfo[] = []
      for (let j = 0; j < kw; j++) {
        shifted.push(
          s.run(
            'PadV2',
            { x: z },
            {
              paddings: [
                [0, 0],
                [0, 0],
                [i, hp - lh - i],
                [j, wp - lw - j],
              ],
              constantValue: 0,
            },
          ),
        )
      }
      const stacked = kw === 1 ? shifted[0]! : s.run('Concat', shifted, { axis: 0 })
      if (kw > 1) for (const t of shifted) s.free(t)
      const a = s.run('Reshape', { x: stacked }, { shape: [1, kw * cout, n * hp * wp] })
      rowsOfW.push(s.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }))
      s.free(a)
      s.free(stacked)
    }
    const all = kh === 1 ? rowsOfW[0]! : s.run('Concat', rowsOfW, { axis: 0 })
    const dw = s.run('Reshape', { x: all }, { shape: [kh, kw, cout, cin] })
    return run(backend, 'Transpose', { x: dw }, { perm: [0, 1, 3, 2] })
  } finally {
    s.dispose()
  }
}

export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: NAME,
  backendName: WASM,
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelConfig['kernelFunc'],
}

/** Registers the kernel once (a second registration would make tfjs warn). Returns whether it registered now. */
export function registerConv2DBackpropFilterWasm(): boolean {
  if (getKernel(NAME, WASM)) return false
  registerKernel(conv2DBackpropFilterWasmConfig)
  return true
}
