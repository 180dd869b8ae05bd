/**
 * Gradient functions for the kernels a segmentation network uses.
 *
 * `@tensorflow/tfjs-core`'s Node entry (the CommonJS bundle that Node and tsx load) registers no
 * gradients: upstream ships them only as ES modules under `dist/gradients/`, registered by the
 * `@tensorflow/tfjs` union package, and those files cannot be imported in Node (extensionless and
 * ambiguous specifiers such as `./gradients`). Without them `tf.grad` fails with "gradient function
 * not found". These are ports of upstream's gradient configs (Apache-2.0, tfjs-core 4.22), written
 * against the public API. Registered only where none is registered yet, so the upstream ones win when
 * `@tensorflow/tfjs` is loaded (tfjs-node-gpu brings it).
 *
 * Tile's gradient is generalised to any rank (upstream stops at rank 4).
 */
import * as tf from '@tensorflow/tfjs-core'

type T = tf.Tensor

const bu = tf.backend_util

function single(dy: T | T[]): T {
  if (Array.isArray(dy)) throw new Error('expected one gradient tensor')
  return dy
}

function at(saved: T[], i: number): T {
  const t = saved[i]
  if (!t) throw new Error(`gradient: saved tensor ${i} missing`)
  return t
}

function attr<V>(attrs: tf.NamedAttrMap, name: string): V {
  return attrs[name] as unknown as V
}

/** Sums `res` over the axes along which `shape` was broadcast to `outShape`, then reshapes to `shape`. */
function unbroadcast(res: T, shape: number[], outShape: number[]): T {
  const axes = bu.getReductionAxes(shape, outShape)
  return tf.reshape(axes.length > 0 ? tf.sum(res, axes) : res, shape)
}

function binary(
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
      const d = single(dy)
      const a = at(saved, 0)
      const b = at(saved, 1)
      const out = bu.assertAndGetBroadcastShape(a.shape, b.shape)
      return {
        a: () => (reduce ? unbroadcast(derA(d, a, b), a.shape, out) : derA(d, a, b)),
        b: () => (reduce ? unbroadcast(derB(d, a, b), b.shape, out) : derB(d, a, b)),
      }
    },
  }
}

function unaryFromInput(kernelName: string, der: (dy: T, x: T, attrs: tf.NamedAttrMap) => T): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => ({ x: () => der(single(dy), at(saved, 0), attrs) }),
  }
}

function unaryFromOutput(kernelName: string, der: (dy: T, y: T) => T): tf.GradConfig {
  return {
    kernelName,
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({ x: () => der(single(dy), at(saved, 0)) }),
  }
}

function zeroGrad(kernelName: string, input = 'x'): tf.GradConfig {
  return { kernelName, gradFunc: (dy) => ({ [input]: () => tf.zerosLike(single(dy)) }) }
}

// A float32 tensor as it is: wasm's Cast copies even to the same dtype, and these run on every activation.
const f32 = (t: T): T => (t.dtype === 'float32' ? t : tf.cast(t, 'float32'))

/** d(max or min over axes)/dx: dy where x equals the result. */
function minMaxGrad(kernelName: string): tf.GradConfig {
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
function tileGrad(dy: T, shape: number[], reps: number[]): T {
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

function padGrad(kernelName: string): tf.GradConfig {
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

export const GRADIENTS: tf.GradConfig[] = [
  // --- arithmetic
  binary(
    'Add',
    (dy) => dy,
    (dy) => dy,
  ),
  binary(
    'Sub',
    (dy) => dy,
    (dy) => tf.neg(dy),
  ),
  binary(
    'Multiply',
    (dy, _a, b) => tf.mul(dy, f32(b)),
    (dy, a) => tf.mul(dy, f32(a)),
  ),
  {
    kernelName: 'RealDiv',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const d = single(dy)
      const a = at(saved, 0)
      const b = at(saved, 1)
      const out = bu.assertAndGetBroadcastShape(a.shape, b.shape)
      return {
        a: () => unbroadcast(tf.div(d, f32(b)), a.shape, out),
        b: () => tf.neg(tf.div(unbroadcast(tf.mul(d, f32(a)), b.shape, out), f32(tf.square(b)))),
      }
    },
  },
  binary(
    'SquaredDifference',
    (dy, a, b) => tf.mul(dy, tf.mul(tf.scalar(2), tf.sub(a, b))),
    (dy, a, b) => tf.mul(dy, tf.mul(tf.scalar(2), tf.sub(b, a))),
    false,
  ),
  binary(
    'Maximum',
    (dy, a, b) => tf.mul(dy, f32(tf.greaterEqual(a, b))),
    (dy, a, b) => tf.mul(dy, f32(tf.less(a, b))),
    false,
  ),
  binary(
    'Minimum',
    (dy, a, b) => tf.mul(dy, f32(tf.lessEqual(a, b))),
    (dy, a, b) => tf.mul(dy, f32(tf.greater(a, b))),
    false,
  ),
  {
    kernelName: 'Pow',
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const d = single(dy)
      const a = at(saved, 0)
      const b = at(saved, 1)
      const y = at(saved, 2)
      const out = bu.assertAndGetBroadcastShape(a.shape, b.shape)
      return {
        a: () => {
          const e = f32(b)
          return unbroadcast(tf.mul(d, tf.mul(e, tf.pow(a, tf.sub(e, tf.scalar(1))))), a.shape, out)
        },
        b: () => {
          const logA = tf.where(tf.greater(a, 0), tf.log(a), tf.zerosLike(a))
          return unbroadcast(tf.mul(d, tf.mul(y, logA)), b.shape, out)
        },
      }
    },
  },
  {
    kernelName: 'AddN',
    saveAllInputs: true,
    gradFunc: (dy, saved) => Object.fromEntries(saved.map((_, i) => [String(i), () => single(dy).clone()])),
  },
  unaryFromInput('Neg', (dy) => tf.neg(dy)),
  unaryFromInput('Square', (dy, x) => tf.mul(dy, tf.mul(f32(x), 2))),
  unaryFromInput('Sqrt', (dy, x) => tf.div(dy, tf.mul(tf.sqrt(f32(x)), 2))),
  unaryFromInput('Rsqrt', (dy, x) => tf.neg(tf.div(dy, tf.mul(tf.pow(x, 1.5), 2)))),
  unaryFromInput('Reciprocal', (dy, x) => tf.div(dy, tf.neg(tf.square(x)))),
  unaryFromInput('Log', (dy, x) => tf.div(dy, f32(x))),
  unaryFromInput('Log1p', (dy, x) => tf.div(dy, tf.add(x, 1))),
  unaryFromInput('Abs', (dy, x) => tf.mul(dy, tf.step(f32(x), -1))),
  unaryFromOutput('Exp', (dy, y) => tf.mul(dy, y)),
  zeroGrad('Sign'),
  zeroGrad('Floor'),
  zeroGrad('Ceil'),
  zeroGrad('Round'),
  zeroGrad('Step'),
  zeroGrad('ZerosLike'),
  zeroGrad('OnesLike'),
  unaryFromInput('ClipByValue', (dy, x, attrs) =>
    tf.where(
      tf.logicalAnd(
        tf.greaterEqual(x, attr<number>(attrs, 'clipValueMin')),
        tf.lessEqual(x, attr<number>(attrs, 'clipValueMax')),
      ),
      dy,
      tf.zerosLike(dy),
    ),
  ),
  { kernelName: 'Cast', gradFunc: (dy) => ({ x: () => single(dy).clone() }) },
  { kernelName: 'Identity', gradFunc: (dy) => ({ x: () => f32(single(dy)).clone() }) },
  {
    kernelName: 'Select',
    inputsToSave: ['condition'],
    gradFunc: (dy, saved) => {
      const d = single(dy)
      const c = at(saved, 0)
      return {
        condition: () => f32(tf.zerosLike(c)),
        t: () => tf.mul(d, tf.cast(c, d.dtype)),
        e: () => tf.mul(d, tf.cast(tf.logicalNot(c), d.dtype)),
      }
    },
  },

  // --- activations
  unaryFromInput('Relu', (dy, x) => tf.mul(dy, f32(tf.step(x)))),
  unaryFromInput('Relu6', (dy, x) => tf.mul(dy, f32(tf.mul(tf.lessEqual(x, 6), tf.step(x))))),
  unaryFromInput('LeakyRelu', (dy, x, attrs) =>
    tf.where(tf.greater(x, 0), dy, tf.mul(dy, attr<number>(attrs, 'alpha'))),
  ),
  {
    kernelName: 'Prelu',
    inputsToSave: ['x', 'alpha'],
    gradFunc: (dy, saved) => {
      const d = single(dy)
      const x = at(saved, 0)
      const alpha = at(saved, 1)
      const mask = tf.greater(x, 0)
      return {
        x: () => tf.where(mask, d, tf.mul(d, alpha)),
        alpha: () => unbroadcast(tf.where(mask, tf.zerosLike(d), tf.mul(d, x)), alpha.shape, d.shape),
      }
    },
  },
  unaryFromOutput('Elu', (dy, y) => tf.engine().runKernel('EluGrad', { dy, y }) as T),
  unaryFromInput('Selu', (dy, x) =>
    tf.where(
      tf.greater(x, tf.scalar(0)),
      tf.mul(dy, tf.scalar(bu.SELU_SCALE)),
      tf.mul(tf.mul(dy, tf.scalar(bu.SELU_SCALEALPHA)), tf.exp(f32(x))),
    ),
  ),
  unaryFromOutput('Sigmoid', (dy, y) => tf.mul(dy, tf.mul(y, tf.sub(tf.scalar(1), y)))),
  unaryFromOutput('Tanh', (dy, y) => tf.mul(tf.sub(tf.scalar(1), tf.square(y)), dy)),
  unaryFromInput('Softplus', (dy, x) => tf.mul(dy, tf.sigmoid(x))),
  {
    kernelName: 'Softmax',
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const y = at(saved, 0)
      const dim = attr<number>(attrs, 'dim')
      const dyTimesY = tf.mul(single(dy), y)
      return { logits: () => tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [dim], true), y)) }
    },
  },
  {
    kernelName: 'LogSoftmax',
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const value = at(saved, 0)
      const axis = attr<number | number[]>(attrs, 'axis')
      const d = single(dy)
      return { logits: () => tf.sub(d, tf.mul(tf.sum(d, axis, true), tf.exp(value))) }
    },
  },

  // --- reductions
  {
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = at(saved, 0)
      const shape = x.shape.slice()
      for (const a of tf.util.parseAxisParam(attr<number | number[]>(attrs, 'axis'), x.shape)) shape[a] = 1
      const der = tf.mul(tf.reshape(single(dy), shape), tf.fill(x.shape, 1, 'float32'))
      return { x: () => der }
    },
  },
  {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = at(saved, 0)
      const axes = tf.util.parseAxisParam(attr<number | number[]>(attrs, 'axis'), x.shape)
      const reduceSize = tf.util.sizeFromShape(bu.computeOutAndReduceShapes(x.shape, axes)[1])
      return {
        x: () => {
          const shape = x.shape.slice()
          for (const a of axes) shape[a] = 1
          return tf.mul(tf.reshape(single(dy), shape), tf.fill(x.shape, 1 / reduceSize, 'float32'))
        },
      }
    },
  },
  minMaxGrad('Max'),
  minMaxGrad('Min'),

  // --- shape
  unaryFromInput('Reshape', (dy, x) => tf.reshape(dy, x.shape)),
  {
    kernelName: 'ExpandDims',
    inputsToSave: ['input'],
    gradFunc: (dy, saved) => ({ input: () => tf.reshape(single(dy), at(saved, 0).shape) }),
  },
  {
    kernelName: 'Transpose',
    gradFunc: (dy, _saved, attrs) => {
      const undo = bu.getUndoAxesPermutation(attr<number[]>(attrs, 'perm'))
      return { x: () => tf.transpose(single(dy), undo) }
    },
  },
  {
    kernelName: 'Slice',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = at(saved, 0)
      const d = single(dy)
      const [begin = [], size = []] = tf.slice_util.parseSliceParams(
        x,
        attr<number | number[]>(attrs, 'begin'),
        attr<number | number[]>(attrs, 'size'),
      )
      const paddings: Array<[number, number]> = []
      for (let i = 0; i < d.rank; i++) paddings.push([begin[i]!, x.shape[i]! - begin[i]! - size[i]!])
      return { x: () => tf.pad(d, paddings) }
    },
  },
  {
    kernelName: 'Concat',
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam(attr<number>(attrs, 'axis'), at(saved, 0).shape)[0]!
      const parts = tf.split(
        single(dy),
        saved.map((t) => t.shape[axis]!),
        axis,
      )
      return Object.fromEntries(parts.map((t, i) => [String(i), () => t]))
    },
  },
  {
    kernelName: 'SplitV',
    gradFunc: (dy, _saved, attrs) => ({
      x: () => tf.concat(dy as T[], attr<number>(attrs, 'axis')),
    }),
  },
  {
    kernelName: 'Pack',
    saveAllInputs: true,
    gradFunc: (dy, _saved, attrs) => {
      const parts = tf.unstack(single(dy), attr<number>(attrs, 'axis'))
      return Object.fromEntries(parts.map((t, i) => [String(i), () => t]))
    },
  },
  {
    kernelName: 'Unpack',
    gradFunc: (dy, _saved, attrs) => ({ value: () => tf.stack(dy as T[], attr<number>(attrs, 'axis')) }),
  },
  padGrad('PadV2'),
  {
    // Upstream slices the centre out, dropping what the mirrored borders contributed; fold them back.
    kernelName: 'MirrorPad',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = at(saved, 0)
      const paddings = attr<Array<[number, number]>>(attrs, 'paddings')
      const offset = attr<string>(attrs, 'mode') === 'reflect' ? 1 : 0
      return {
        x: () => {
          let g = single(dy)
          paddings.forEach(([l, r], axis) => {
            const n = x.shape[axis]!
            const part = (start: number, size: number): T => {
              const begin = g.shape.map((_, i) => (i === axis ? start : 0))
              const sizes = g.shape.map((d, i) => (i === axis ? size : d))
              return tf.slice(g, begin, sizes)
            }
            const along = (before: number, after: number): Array<[number, number]> =>
              g.shape.map((_, i) => (i === axis ? [before, after] : [0, 0]))
            let acc = part(l, n)
            if (l > 0) acc = tf.add(acc, tf.pad(tf.reverse(part(0, l), axis), along(offset, n - offset - l)))
            if (r > 0)
              acc = tf.add(acc, tf.pad(tf.reverse(part(l + n, r), axis), along(n - offset - r, offset)))
            g = acc
          })
          return g
        },
      }
    },
  },
  {
    kernelName: 'Tile',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = at(saved, 0)
      return { x: () => tileGrad(single(dy), x.shape, attr<number[]>(attrs, 'reps')) }
    },
  },
  {
    kernelName: 'BroadcastTo',
    gradFunc: (dy, _saved, attrs) => {
      const inputShape = attr<number[]>(attrs, 'inputShape')
      const outputShape = attr<number[]>(attrs, 'shape')
      const d = single(dy)
      // Left-pad the input shape to the output's rank, then sum the broadcast axes one at a time.
      const padded = [...new Array<number>(outputShape.length - inputShape.length).fill(1), ...inputShape]
      const reps = outputShape.map((o, i) => (padded[i] === o ? 1 : o))
      return { x: () => tf.reshape(tileGrad(d, padded, reps), inputShape) }
    },
  },
  {
    kernelName: 'Reverse',
    gradFunc: (dy, _saved, attrs) => {
      const d = single(dy)
      return {
        x: () => tf.reverse(d, tf.util.parseAxisParam(attr<number | number[]>(attrs, 'dims'), d.shape)),
      }
    },
  },
  {
    kernelName: 'GatherV2',
    inputsToSave: ['x', 'indices'],
    gradFunc: (dy, saved, attrs) => {
      const x = at(saved, 0)
      const indices = at(saved, 1)
      if (attr<number | undefined>(attrs, 'batchDims'))
        throw new Error('gradient of gather: batchDims is not supported')
      const axis = tf.util.parseAxisParam(attr<number>(attrs, 'axis'), x.shape)[0]!
      return {
        x: () => {
          const outer = x.shape.slice(0, axis)
          const inner = x.shape.slice(axis + 1)
          const values = tf.reshape(single(dy), [...outer, indices.size, ...inner])
          const perm = [outer.length, ...outer.map((_, i) => i), ...inner.map((_, i) => outer.length + 1 + i)]
          const n = x.shape[axis]!
          const flatIndices = tf.reshape(indices, [indices.size]) as tf.Tensor1D
          const moved = tf.transpose(values, perm) // [indices, outer..., inner...]
          let summed: T
          if (tf.getKernel('UnsortedSegmentSum', tf.getBackend())) {
            summed = tf.unsortedSegmentSum(moved, flatIndices, n)
          } else {
            // wasm has no UnsortedSegmentSum: a product with the one-hot matrix of the indices.
            const rest = moved.shape.slice(1)
            const oneHot = f32(
              tf.equal(tf.reshape(flatIndices, [indices.size, 1]), tf.range(0, n, 1, 'int32')),
            )
            const flat = tf.matMul(oneHot, tf.reshape(moved, [indices.size, -1]), true, false)
            summed = tf.reshape(flat, [n, ...rest])
          }
          return tf.transpose(summed, bu.getUndoAxesPermutation(perm))
        },
        indices: () => indices,
      }
    },
  },

  // --- linear algebra, convolution, pooling, resizing
  {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const d = single(dy)
      const a = at(saved, 0)
      const b = at(saved, 1)
      const ta = attr<boolean>(attrs, 'transposeA')
      const tb = attr<boolean>(attrs, 'transposeB')
      if (!ta && !tb) return { a: () => tf.matMul(d, b, false, true), b: () => tf.matMul(a, d, true, false) }
      if (!ta && tb) return { a: () => tf.matMul(d, b, false, false), b: () => tf.matMul(d, a, true, false) }
      if (ta && !tb) return { a: () => tf.matMul(b, d, false, true), b: () => tf.matMul(a, d, false, false) }
      return { a: () => tf.matMul(b, d, true, true), b: () => tf.matMul(d, a, true, true) }
    },
  },
  {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const x = at(saved, 0) as tf.Tensor4D
      const filter = at(saved, 1) as tf.Tensor4D
      const { dilations, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as {
        dilations: number | [number, number]
        strides: number | [number, number]
        pad: unknown
        dataFormat: 'NHWC' | 'NCHW'
        dimRoundingMode?: string
      }
      if (!bu.tupleValuesAreOne(dilations)) {
        throw new Error(
          `gradient of conv2d: dilations other than 1 are not supported, got ${String(dilations)}`,
        )
      }
      const d = single(dy)
      const engine = tf.engine()
      return {
        x: () =>
          engine.runKernel('Conv2DBackpropInput', { dy: d, filter }, {
            strides,
            pad,
            dataFormat,
            dimRoundingMode,
            inputShape: x.shape,
          } as unknown as tf.NamedAttrMap) as T,
        filter: () =>
          engine.runKernel('Conv2DBackpropFilter', { x, dy: d }, {
            strides,
            pad,
            dataFormat,
            dimRoundingMode,
            filterShape: filter.shape,
          } as unknown as tf.NamedAttrMap) as T,
      }
    },
  },
  {
    kernelName: 'Conv2DBackpropInput',
    inputsToSave: ['dy', 'filter'],
    gradFunc: (ddx, saved, attrs) => {
      const dy = at(saved, 0) as tf.Tensor4D
      const filter = at(saved, 1) as tf.Tensor4D
      const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as {
        strides: number | [number, number]
        pad: 'same' | 'valid' | number
        dataFormat: 'NHWC' | 'NCHW'
        dimRoundingMode?: 'floor' | 'round' | 'ceil'
      }
      const d = single(ddx) as tf.Tensor4D
      return {
        dy: () => tf.conv2d(d, filter, strides, pad, dataFormat, 1, dimRoundingMode),
        filter: () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x: d, dy }, {
            strides,
            pad,
            dataFormat,
            dimRoundingMode,
            filterShape: filter.shape,
          } as unknown as tf.NamedAttrMap) as T,
      }
    },
  },
  {
    kernelName: 'Conv3D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const x = at(saved, 0)
      const filter = at(saved, 1)
      const { dilations, strides, pad } = attrs as unknown as {
        dilations: number | [number, number, number]
        strides: number | [number, number, number]
        pad: 'same' | 'valid'
      }
      if (!bu.tupleValuesAreOne(dilations)) {
        throw new Error(
          `gradient of conv3d: dilations other than 1 are not supported, got ${String(dilations)}`,
        )
      }
      const d = single(dy)
      const engine = tf.engine()
      return {
        x: () =>
          engine.runKernel('Conv3DBackpropInputV2', { dy: d, filter }, {
            pad,
            strides,
            inputShape: x.shape,
          } as unknown as tf.NamedAttrMap) as T,
        filter: () =>
          engine.runKernel('Conv3DBackpropFilterV2', { x, dy: d }, {
            strides,
            pad,
            filterShape: filter.shape,
          } as unknown as tf.NamedAttrMap) as T,
      }
    },
  },
  {
    kernelName: 'MaxPool',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const x = at(saved, 0)
      const y = at(saved, 1)
      const { filterSize, strides, pad, dimRoundingMode } = attrs
      return {
        x: () =>
          tf.engine().runKernel('MaxPoolGrad', { dy: single(dy), input: x, output: y }, {
            filterSize,
            strides,
            pad,
            dimRoundingMode,
          } as tf.NamedAttrMap) as T,
      }
    },
  },
  {
    kernelName: 'AvgPool',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = at(saved, 0)
      const { filterSize, strides, pad } = attrs
      return {
        x: () =>
          tf.engine().runKernel('AvgPoolGrad', { dy: single(dy), input: x }, {
            filterSize,
            strides,
            pad,
          } as tf.NamedAttrMap) as T,
      }
    },
  },
  {
    kernelName: 'ResizeNearestNeighbor',
    inputsToSave: ['images'],
    gradFunc: (dy, saved, attrs) => ({
      images: () =>
        tf
          .engine()
          .runKernel('ResizeNearestNeighborGrad', { dy: single(dy), images: at(saved, 0) }, attrs) as T,
    }),
  },
  {
    kernelName: 'ResizeBilinear',
    inputsToSave: ['images'],
    gradFunc: (dy, saved, attrs) => ({
      // The cpu kernel labels its result [batch, width, height, depth] (values laid out right).
      images: () =>
        tf.reshape(
          tf.engine().runKernel('ResizeBilinearGrad', { dy: single(dy), images: at(saved, 0) }, attrs) as T,
          at(saved, 0).shape,
        ),
    }),
  },
  {
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy, saved, attrs) => {
      const d = single(dy)
      const x = at(saved, 0)
      const mean = at(saved, 1)
      const variance = at(saved, 2)
      const scale = saved[3] ?? tf.scalar(1)
      const eps = attr<number>(attrs, 'varianceEpsilon')
      const axes = bu.getReductionAxes(mean.shape, x.shape)
      const reduce = (t: T): T => tf.reshape(mean.rank === 1 ? tf.sum(t, axes) : t, mean.shape)
      const xMinusMean = tf.sub(x, mean)
      const dyTimesScale = tf.mul(d, scale)
      const rstd = tf.rsqrt(tf.add(variance, tf.scalar(eps)))
      const minusHalfRCube = tf.mul(tf.mul(tf.mul(rstd, rstd), rstd), tf.scalar(-0.5))
      return {
        x: () => tf.reshape(tf.mul(tf.mul(d, rstd), scale), x.shape),
        mean: () => reduce(tf.mul(tf.mul(rstd, tf.scalar(-1)), dyTimesScale)),
        variance: () => reduce(tf.mul(tf.mul(minusHalfRCube, xMinusMean), dyTimesScale)),
        scale: () => reduce(tf.mul(d, tf.mul(xMinusMean, rstd))),
        offset: () => reduce(d),
      }
    },
  },
]

/** Registers every gradient above that no one registered yet. Returns the names registered now. */
export function registerGradients(): string[] {
  const registered: string[] = []
  for (const config of GRADIENTS) {
    if (tf.getGradient(config.kernelName)) continue
    tf.registerGradient(config)
    registered.push(config.kernelName)
  }
  return registered
}
