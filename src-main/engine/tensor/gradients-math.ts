/** Gradients of the arithmetic, activation and reduction kernels. */
import * as tf from '@tensorflow/tfjs-core'
import {
  bu,
  single,
  at,
  attr,
  unbroadcast,
  binary,
  binaryOperands,
  unaryFromInput,
  unaryFromOutput,
  zeroGrad,
  f32,
  minMaxGrad,
  type T,
} from './gradient-helpers.ts'

export const MATH_GRADIENTS: tf.GradConfig[] = [
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
      const { d, a, b, out } = binaryOperands(dy, saved)
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
      const { d, a, b, out } = binaryOperands(dy, saved)
      const y = at(saved, 2)
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
]
