/** Gradients of the kernels that move values without computing: reshape, slice, concat, pad, tile, gather. */
import * as tf from '@tensorflow/tfjs-core'
import { bu, single, at, attr, unaryFromInput, f32, tileGrad, padGrad, type T } from './gradient-helpers.ts'

export const SHAPE_GRADIENTS: tf.GradConfig[] = [
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
]
