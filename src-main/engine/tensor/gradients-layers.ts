/** Gradients of the layer kernels: matrix products, convolutions, pooling, resizing, batch norm. */
import * as tf from '@tensorflow/tfjs-core'
import { bu, single, at, attr, type T } from './gradient-helpers.ts'

/**
 * A convolution's input and filter gradients through the backend's two backprop kernels, which take the
 * forward call's attributes named in `passed` plus the shape they produce.
 */
function convGradient(
  kernelName: 'Conv2D' | 'Conv3D',
  [inputKernel, filterKernel]: [string, string],
  passed: string[],
): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const x = at(saved, 0)
      const filter = at(saved, 1)
      const dilations = attr<number | number[]>(attrs, 'dilations')
      if (!bu.tupleValuesAreOne(dilations)) {
        throw new Error(
          `gradient of ${kernelName.toLowerCase()}: dilations other than 1 are not supported, got ${String(dilations)}`,
        )
      }
      const kept = Object.fromEntries(passed.map((name) => [name, attrs[name]]))
      const d = single(dy)
      const engine = tf.engine()
      return {
        x: () => engine.runKernel(inputKernel, { dy: d, filter }, { ...kept, inputShape: x.shape }) as T,
        filter: () =>
          engine.runKernel(filterKernel, { x, dy: d }, { ...kept, filterShape: filter.shape }) as T,
      }
    },
  }
}

export const LAYER_GRADIENTS: tf.GradConfig[] = [
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
  convGradient(
    'Conv2D',
    ['Conv2DBackpropInput', 'Conv2DBackpropFilter'],
    ['strides', 'pad', 'dataFormat', 'dimRoundingMode'],
  ),
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
  convGradient('Conv3D', ['Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2'], ['strides', 'pad']),
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
