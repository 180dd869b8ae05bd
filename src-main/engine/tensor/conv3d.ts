/**
 * 3D convolution for anisotropic EM stacks, expressed through `tf.conv2d`.
 *
 * tfjs' own Conv3D runs at 0.3-0.5 GFLOP/s on the wasm and cpu backends and its wasm gradients are
 * wrong, while wasm's Conv2D (XNNPACK) runs at 10-20 GFLOP/s. So each depth tap t of a
 * [kd, kh, kw, Cin, Cout] filter is one 2D convolution of all N*D input planes, and its output planes
 * are moved by t - (kd-1)/2 along z and summed. The input is used as it is, never copied per tap
 * (the backward pass keeps the input itself, not kd shifted copies concatenated on channels, which
 * wasm's Concat and SplitV move one short row at a time), and the output-side moves are plain
 * contiguous copies; about 5% faster than that im2col along z in a 16x128x128 forward. The cost is
 * the discarded edge planes: 2/(3D) more multiply-adds for kd = 3. Every op used (slice, pad, reshape, add, conv2d) has a correct gradient
 * on wasm (conv2d's filter gradient through kernels/conv2d-backprop-filter.ts).
 *
 * Padding is 'same' in all three axes; the stride is 1 along D and 1 or 2 in-plane.
 */
import * as tf from '@tensorflow/tfjs-core'
import { InputError } from '../errors.ts'
import { conv3dTiled } from './kernels/conv3d-webgpu.ts'

export type Tensor5D = tf.Tensor5D

export interface Conv3dOptions {
  /** In-plane (H and W) stride; depth stride is always 1. */
  strideHW?: 1 | 2
}

/**
 * How 3D convolutions run: 'taps' (one 2D convolution per depth tap, below) or 'native' (the backend's
 * own Conv3D and its gradients) or 'tiled' (ours, webgpu only: kernels/conv3d-webgpu.ts). Taps everywhere by default: on wasm and cpu native is tens of times slower
 * and its wasm gradients are wrong; on a GPU the device check (`npm run bench:device`) measures both,
 * and ACTIVEEM_CONV3D=native selects the backend's kernel where it wins.
 */
export type Conv3dMethod = 'taps' | 'native' | 'tiled'
export const CONV3D_ENV = 'ACTIVEEM_CONV3D'

let method: Conv3dMethod | null = null

export function conv3dMethod(): Conv3dMethod {
  if (method) return method
  const env = process.env[CONV3D_ENV]?.trim()
  if (env && env !== 'taps' && env !== 'native' && env !== 'tiled')
    throw new InputError(`${CONV3D_ENV}: expected 'taps', 'native' or 'tiled', got '${env}'`)
  return env === 'native' || env === 'tiled' ? env : 'taps'
}

/** For tests and the benchmark: null goes back to the environment's choice. */
export function setConv3dMethod(m: Conv3dMethod | null): void {
  method = m
}

/** [N, D, H, W, Cin] * [kd, kh, kw, Cin, Cout] -> [N, D, ceil(H/s), ceil(W/s), Cout], 'same' padding. */
export function conv3d(x: Tensor5D, w: Tensor5D, options: Conv3dOptions = {}): Tensor5D {
  const stride = options.strideHW ?? 1
  if (x.rank !== 5 || w.rank !== 5) {
    throw new InputError(
      `conv3d: expected rank-5 x and w, got [${x.shape.join(', ')}] and [${w.shape.join(', ')}]`,
    )
  }
  const [n, d, h, wd, cin] = x.shape
  const [kd, kh, kw, wcin, cout] = w.shape
  if (wcin !== cin) throw new InputError(`conv3d: x has ${cin} channels but the filter expects ${wcin}`)
  if (kd % 2 !== 1) throw new InputError(`conv3d: the depth kernel size must be odd, got ${kd}`)
  if (stride !== 1 && stride !== 2)
    throw new InputError(`conv3d: strideHW must be 1 or 2, got ${String(stride)}`)
  // The wasm backend has no correct Conv3D gradients: native is for the GPU backends only.
  const m = conv3dMethod()
  if (m === 'native' && tf.getBackend() !== 'wasm') return tf.conv3d(x, w, [1, stride, stride], 'same')
  if (m === 'tiled' && tf.getBackend() === 'webgpu') return conv3dTiled(x, w, stride)
  return tf.tidy(() => {
    const planes = tf.reshape(x, [n * d, h, wd, cin]) as tf.Tensor4D
    const tap = (t: number): tf.Tensor4D => {
      const wt = kd === 1 ? w : tf.slice(w, [t, 0, 0, 0, 0], [1, kh, kw, cin, cout])
      return tf.conv2d(planes, tf.reshape(wt, [kh, kw, cin, cout]) as tf.Tensor4D, stride, 'same')
    }
    const p = (kd - 1) / 2
    let y = tap(p)
    const [, oh, ow] = y.shape
    const plane = oh * ow * cout
    for (let t = 0; t < kd; t++) {
      const shift = t - p
      if (shift === 0 || Math.abs(shift) >= d) continue
      // Output plane z takes tap t of input plane z + shift: move the tap's planes by -shift in z.
      const c = tf.reshape(tap(t), [n, d, plane])
      const kept = tf.slice(c, [0, Math.max(shift, 0), 0], [n, d - Math.abs(shift), plane])
      const moved = tf.pad(kept, [
        [0, 0],
        [Math.max(-shift, 0), Math.max(shift, 0)],
        [0, 0],
      ])
      y = tf.add(y, tf.reshape(moved, y.shape))
    }
    return tf.reshape(y, [n, d, oh, ow, cout])
  })
}

/** 2x2 max pool in-plane (H and W halved, floor for odd sizes), D untouched. */
export function maxPoolHW(x: Tensor5D): Tensor5D {
  const [n, d, h, w, c] = x.shape
  if (h < 2 || w < 2)
    throw new InputError(`maxPoolHW: H and W must be at least 2, got [${x.shape.join(', ')}]`)
  return tf.tidy(() => {
    const y = tf.maxPool(tf.reshape(x, [n * d, h, w, c]) as tf.Tensor4D, 2, 2, 'valid')
    return tf.reshape(y, [n, d, y.shape[1], y.shape[2], c])
  })
}

/**
 * Nearest-neighbour 2x upsampling in-plane, D untouched: [N, D, H, W, C] -> [N, D, 2H, 2W, C].
 * A broadcast multiply with ones, whose gradient is a sum over the two duplicated axes.
 */
export function upsampleHW(x: Tensor5D): Tensor5D {
  const [n, d, h, w, c] = x.shape
  return tf.tidy(() => {
    const rows = tf.reshape(x, [n * d * h, 1, w, 1, c])
    const up = tf.mul(rows, tf.ones([1, 2, 1, 2, 1]))
    return tf.reshape(up, [n, d, 2 * h, 2 * w, c])
  })
}
