/**
 * 3D convolution for anisotropic EM stacks, expressed through ONE `tf.conv2d`.
 *
 * tfjs' own Conv3D runs at 0.3-0.5 GFLOP/s on the wasm and cpu backends and its wasm gradients are
 * wrong, while wasm's Conv2D (XNNPACK) runs at 10-20 GFLOP/s. So the depth taps go to the channel axis:
 * the input is padded along D, the kd depth-shifted copies are concatenated on channels
 * ([N*D, H, W, kd*Cin]) and the filter [kd, kh, kw, Cin, Cout] becomes [kh, kw, kd*Cin, Cout], channel
 * index t*Cin + c on both sides. Every op used (pad, slice, concat, reshape, transpose, conv2d) has a
 * correct gradient on wasm (conv2d's filter gradient through kernels/conv2d-backprop-filter.ts).
 *
 * Padding is 'same' in all three axes; the stride is 1 along D and 1 or 2 in-plane.
 */
import * as tf from '@tensorflow/tfjs-core'
import { InputError } from '../errors.ts'

export type Tensor5D = tf.Tensor5D

export interface Conv3dOptions {
  /** In-plane (H and W) stride; depth stride is always 1. */
  strideHW?: 1 | 2
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
  return tf.tidy(() => {
    let cols: tf.Tensor4D
    if (kd === 1) {
      cols = tf.reshape(x, [n * d, h, wd, cin])
    } else {
      const p = (kd - 1) / 2
      const hwc = h * wd * cin
      // Rank 3 throughout: [N, D + 2p, H*W*Cin], each depth shift one contiguous slice per batch item.
      const padded = tf.pad(tf.reshape(x, [n, d, hwc]), [
        [0, 0],
        [p, p],
        [0, 0],
      ])
      const shifts: tf.Tensor2D[] = []
      for (let t = 0; t < kd; t++) {
        shifts.push(tf.reshape(tf.slice(padded, [0, t, 0], [n, d, hwc]), [n * d * h * wd, cin]))
      }
      cols = tf.reshape(tf.concat(shifts, 1), [n * d, h, wd, kd * cin])
    }
    // [kd, kh, kw, Cin, Cout] -> [kh, kw, kd, Cin, Cout] -> [kh, kw, kd*Cin, Cout] (a rank-3 transpose).
    const filter: tf.Tensor4D =
      kd === 1
        ? tf.reshape(w, [kh, kw, cin, cout])
        : tf.reshape(tf.transpose(tf.reshape(w, [kd, kh * kw, cin * cout]), [1, 0, 2]), [
            kh,
            kw,
            kd * cin,
            cout,
          ])
    const y = tf.conv2d(cols, filter, stride, 'same')
    return tf.reshape(y, [n, d, y.shape[1], y.shape[2], cout])
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
