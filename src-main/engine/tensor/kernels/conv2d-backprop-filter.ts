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
 *
 * Those products reduce over N*Hp*Wp with few rows and columns, so XNNPACK streams both operands
 * from memory again for every small output tile. Run a few images at a time instead (sized so both
 * operands stay in cache, ~4 MiB) and the repeated reads hit the cache: 1.4 to 1.8x faster on the
 * U-Net's 3x3 layers here (`npm run bench`, unet_train_step). 1x1 filters read each operand about
 * once already and stay whole.
 */
import {
  backend_util,
  getKernel,
  registerKernel,
  type KernelBackend,
  type KernelConfig,
  type TensorInfo,
} from '@tensorflow/tfjs-core'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import {
  conv2DInfo,
  dilationIsOne,
  heapView,
  releaseHeapView,
  run,
  Scope,
  WASM,
  zeroInsert,
  type Conv2DAttrs,
  type KernelArgs,
} from './compose.ts'

const NAME = 'Conv2DBackpropFilter'

/** Bytes of both product operands per chunk of images: about what a core's caches hold. */
const CHUNK_BYTES = 4 << 20

interface Attrs extends Conv2DAttrs {
  filterShape: [number, number, number, number]
}

export function conv2DBackpropFilterWasm(args: KernelArgs): TensorInfo {
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
  const info = conv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs)
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

  const chunk = imagesPerChunk(hp, wp, kw, cin, cout)
  if (sh === 1 && sw === 1 && kh * kw > 1 && n > chunk) return byChunks(args, x, dy, chunk)

  const s = new Scope(backend)
  try {
    if (sh > 1 || sw > 1) return stridedByColumns(backend, s, x, dy, info)
    // Right operand of every product: the padded input as [1, N*Hp*Wp, Cin].
    const xp =
      top + bottom + left + right > 0
        ? s.pad(x, [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ])
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
          s.pad(z, [
            [0, 0],
            [0, 0],
            [i, hp - lh - i],
            [j, wp - lw - j],
          ]),
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

/** Images per product: the padded frames of x and kw shifted copies of dy in about CHUNK_BYTES. */
export function imagesPerChunk(hp: number, wp: number, kw: number, cin: number, cout: number): number {
  return Math.max(1, Math.floor(CHUNK_BYTES / (hp * wp * (kw * cout + cin) * 4)))
}

/** The gradient as the sum of the gradients of `chunk` images at a time (views of x and dy, no copies). */
function byChunks(args: KernelArgs, x: TensorInfo, dy: TensorInfo, chunk: number): TensorInfo {
  const wasm = args.backend as BackendWasm
  const [n, ...xRow] = x.shape
  const dyRow = dy.shape.slice(1)
  const xSize = xRow.reduce((a, b) => a * b, 1)
  const dySize = dyRow.reduce((a, b) => a * b, 1)
  let total: TensorInfo | undefined
  try {
    for (let b = 0; b < n!; b += chunk) {
      const c = Math.min(chunk, n! - b)
      const xv = heapView(wasm, x, b * xSize, [c, ...xRow])
      const dyv = heapView(wasm, dy, b * dySize, [c, ...dyRow])
      let part: TensorInfo
      try {
        part = conv2DBackpropFilterWasm({ ...args, inputs: { x: xv, dy: dyv } })
      } finally {
        releaseHeapView(wasm, xv)
        releaseHeapView(wasm, dyv)
      }
      if (!total) {
        total = part
        continue
      }
      // Views after the part's allocation, which may have grown (and so moved) the heap.
      const sum = wasm.typedArrayFromHeap(total) as Float32Array
      const add = wasm.typedArrayFromHeap(part) as Float32Array
      for (let i = 0; i < sum.length; i++) sum[i]! += add[i]!
      wasm.disposeData(part.dataId)
    }
  } catch (e) {
    if (total) wasm.disposeData(total.dataId)
    throw e
  }
  return total!
}

/**
 * Strided convolutions: the composition above would multiply the s_h*s_w-fold zero-spread dy (3/4
 * zeros at stride 2) by the whole padded input, and the VAEs' encoders (and their decoders' transposed
 * convolutions) spent most of a training step there. Here the kh*kw taps of the input at the strided
 * output positions are gathered into columns C [N*oh*ow, kh*kw*Cin] (zeros in the padding) by one
 * loop over the heap (wasm's StridedSlice, one element at a time, measured 10x slower), and
 * dW = dy^T C is one product [Cout, N*oh*ow] x [N*oh*ow, kh*kw*Cin] without transposes (dy is
 * transposed once). The same sums in another order: equal within float rounding.
 */
function stridedByColumns(
  backend: KernelBackend,
  s: Scope,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow } = info
  const { inChannels: cin, outChannels: cout, filterHeight: kh, filterWidth: kw } = info
  const { strideHeight: sh, strideWidth: sw } = info
  const { top, left } = info.padInfo
  const wasm = backend as unknown as BackendWasm
  const columns = s.keep(wasm.makeOutput([1, n * oh * ow, kh * kw * cin], 'float32'))
  // Views after the allocation, which may grow (and so move) the heap.
  const src = wasm.typedArrayFromHeap(x) as Float32Array
  const dst = wasm.typedArrayFromHeap(columns) as Float32Array
  const tap = kw * cin
  let o = 0
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++)
        for (let i = 0; i < kh; i++) {
          const r = y * sh + i - top
          if (r < 0 || r >= h) {
            dst.fill(0, o, o + tap)
            o += tap
            continue
          }
          const row = (b * h + r) * w
          for (let j = 0; j < kw; j++) {
            const c = xo * sw + j - left
            if (c < 0 || c >= w) dst.fill(0, o, o + cin)
            else for (let k = 0, p = (row + c) * cin; k < cin; k++) dst[o + k] = src[p + k]!
            o += cin
          }
        }
  const dyT = s.run('Transpose', { x: dy }, { perm: [3, 0, 1, 2] })
  const a = s.run('Reshape', { x: dyT }, { shape: [1, cout, n * oh * ow] })
  const product = s.run('BatchMatMul', { a, b: columns }, { transposeA: false, transposeB: false })
  const dw = s.run('Reshape', { x: product }, { shape: [cout, kh, kw, cin] })
  return run(backend, 'Transpose', { x: dw }, { perm: [1, 2, 3, 0] })
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
