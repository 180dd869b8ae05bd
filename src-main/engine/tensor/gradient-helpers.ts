/** The pieces the gradient configs (gradients-*.ts) are built from: most kernels' gradients are one of a few shapes. */
import * as tf from '@tensorflow/tfjs-core'

export type T = tf.Tensor

export const bu = tf.backend_util

export function single(dy: T | T[]): T {
  if (Array.isArray(dy)) throw new Error('expected one gradient tensor')
  return dy
}

export function at(saved: T[], i: number): T {
  const t = saved[i]
  if (!t) throw new Error(`gradient: saved tensor ${i} missing`)
  return t
}

export function attr<V>(attrs: tf.NamedAttrMap, name: string): V {
  return attrs[name] as unknown as V
}

/** Sums `res` over the axes along which `shape` was broadcast to `outShape`, then reshapes to `shape`. */
export function unbroadcast(res: T, shape: number[], outShape: number[]): T {
  const axes = bu.getReductionAxes(shape, outShape)
  return tf.reshape(axes.length > 0 ? tf.sum(res, axes) : res, shape)
}

/** dy and the saved operands of a broadcasting binary kernel, with the shape they broadcast to. */
export function binaryOperands(dy: T | T[], saved: T[]): { d: T; a: T; b: T; out: number[] } {
  const d = single(dy)
  const a = at(saved, 0)
  const b = at(saved, 1)
  return { d, a, b, out: bu.assertAndGetBroadcastShape(a.shape, b.shape) }
}

export function binary(
  kernelName: string,
  derA: (dy: T, a: T, b: T) => T,
  derB: (dy: T, a: T, b: T) => T,
  /** Whether der* already produce the broadcast output shape (true) or the operand's shape. */
  reduce = true,
): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const { d, a, b, out } = binaryOperands(dy, saved)
      return {
        a: () => (reduce ? unbroadcast(derA(d, a, b), a.shape, out) : derA(d, a, b)),
        b: () => (reduce ? unbroadcast(derB(d, a, b), b.shape, out) : derB(d, a, b)),
      }
    },
  }
}

export function unaryFromInput(
  kernelName: string,
  der: (dy: T, x: T, attrs: tf.NamedAttrMap) => T,
): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => ({ x: () => der(single(dy), at(saved, 0), attrs) }),
  }
}

export function unaryFromOutput(kernelName: string, der: (dy: T, y: T) => T): tf.GradConfig {
  return {
    kernelName,
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({ x: () => der(single(dy), at(saved, 0)) }),
  }
}

export function zeroGrad(kernelName: string, input = 'x'): tf.GradConfig {
  return { kernelName, gradFunc: (dy) => ({ [input]: () => tf.zerosLike(single(dy)) }) }
}

// A float32 tensor as it is: wasm's Cast copies even to the same dtype, and these run on every activation.
export const f32 = (t: T): T => (t.dtype === 'float32' ? t : tf.cast(t, 'float32'))

/** d(max or min over axes)/dx: dy where x equals the result. */
export function minMaxGrad(kernelName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const x = at(saved, 0)
      let y = at(saved, 1)
      let d = single(dy)
      // Max calls its axes `reductionIndices`, Min calls them `axis`.
      const axes = tf.util.parseAxisParam(
        attr<number | number[] | undefined>(attrs, 'reductionIndices') ??
          attr<number | number[]>(attrs, 'axis'),
        x.shape,
      )
      if (y.rank < x.rank) y = tf.reshape(y, bu.expandShapeToKeepDim(y.shape, axes))
      if (d.rank < x.rank) d = tf.reshape(d, bu.expandShapeToKeepDim(d.shape, axes))
      const dd = d
      const yy = y
      return { x: () => tf.mul(dd, tf.cast(tf.equal(x, yy), dd.dtype)) }
    },
  }
}

/** Sum of dy over the tiles of `shape`, one axis at a time through rank-3 reshapes (any rank, any backend). */
export function tileGrad(dy: T, shape: number[], reps: number[]): T {
  let g = dy
  const current = [...g.shape]
  for (let axis = 0; axis < shape.length; axis++) {
    const r = reps[axis] ?? 1
    if (r === 1) continue
    const before = current.slice(0, axis).reduce((p, v) => p * v, 1)
    const after = current.slice(axis + 1).reduce((p, v) => p * v, 1)
    const size = shape[axis]!
    g = tf.sum(tf.reshape(g, [before, r, size * after]), 1)
    current[axis] = size
  }
  return tf.reshape(g, shape)
}

export function padGrad(kernelName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = at(saved, 0)
      const begin = attr<Array<[number, number]>>(attrs, 'paddings').map((p) => p[0])
      return { x: () => tf.slice(single(dy), begin, x.shape) }
    },
  }
}
