import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { InputError } from '../../../src-main/engine/errors.ts'
import { conv3d, initTensorEngine, maxPoolHW, tf, upsampleHW } from '../../../src-main/engine/tensor/index.ts'
import { imagesPerChunk } from '../../../src-main/engine/tensor/kernels/conv2d-backprop-filter.ts'

type Shape = number[]

/** Deterministic N(0, 1) values (mulberry32 + Box-Muller), so wasm and cpu see the same numbers. */
function normal(shape: Shape, seed: number, scale = 1): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1)
  const out = new Float32Array(n)
  let s = seed >>> 0
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296
  }
  for (let i = 0; i < n; i++)
    out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()) * scale
  return out
}

const size = (shape: Shape): number => shape.reduce((a, b) => a * b, 1)

/** Runs `f` on `backend` and returns its outputs' values; asserts the backend holds no new buffers after. */
async function on(backend: 'wasm' | 'cpu', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  assert.ok(await tf.setBackend(backend), `backend ${backend}`)
  const buffers = tf.backend().numDataIds()
  const outs = tf.tidy(f)
  const values = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array))
  tf.dispose(outs)
  assert.equal(tf.backend().numDataIds(), buffers, `${backend}: buffers leaked`)
  return values
}

/** Max abs difference within 1e-4 of values of order 1 (relative to the largest reference value if above 1). */
function assertClose(actual: Float32Array, expected: Float32Array, what: string, tol = 1e-4): number {
  assert.equal(actual.length, expected.length, `${what}: length`)
  let diff = 0
  let scale = 1
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!))
    scale = Math.max(scale, Math.abs(expected[i]!))
  }
  assert.ok(diff <= tol * scale, `${what}: max abs diff ${diff} (largest value ${scale})`)
  return diff
}

before(async () => {
  await initTensorEngine({ backend: 'wasm' })
})

describe('Conv2DBackpropFilter on wasm (our kernel) vs cpu', () => {
  const cases: Array<{ x: Shape; k: [number, number]; cout: number }> = [
    { x: [2, 9, 10, 3], k: [3, 3], cout: 4 },
    { x: [1, 8, 8, 5], k: [1, 1], cout: 2 },
    { x: [1, 7, 12, 4], k: [5, 3], cout: 3 },
    { x: [3, 6, 6, 2], k: [2, 2], cout: 4 },
    { x: [1, 16, 15, 8], k: [3, 3], cout: 8 },
  ]
  for (const c of cases) {
    for (const stride of [1, 2] as const) {
      // Explicit padding as numbers per side; a single number only for square filters (tfjs sizes the
      // output of a non-square filter with a numeric pad from its height alone, and wasm's Conv2D then
      // writes past the end of its output).
      const explicit: tf.backend_util.ExplicitPadding = [
        [0, 0],
        [1, 2],
        [2, 0],
        [0, 0],
      ]
      const pads = [
        'same' as const,
        'valid' as const,
        ...(c.k[0] === c.k[1] ? [1] : []),
        ...(c.k[0] > 2 && c.k[1] > 2 ? [explicit] : []),
      ]
      for (const pad of pads) {
        test(`x [${c.x}] k ${c.k.join('x')} -> ${c.cout}, stride ${stride}, pad ${JSON.stringify(pad)}`, async () => {
          const filterShape = [...c.k, c.x[3]!, c.cout] as [number, number, number, number]
          const xv = normal(c.x, 1)
          const wv = normal(filterShape, 2)
          const { yShape, dyv } = await checkFilterGradient(c.x, xv, filterShape, stride, pad, 3)

          // And through tf.grad: the filter gradient above, and the input gradient (our faster kernel).
          const grads = (): tf.Tensor[] => {
            const dy = tf.tensor(dyv, yShape)
            const g = tf.grads((x: tf.Tensor, w: tf.Tensor) =>
              tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad), dy)),
            )
            return g([tf.tensor(xv, c.x), tf.tensor(wv, filterShape)])
          }
          const [gx, gw] = await on('wasm', grads)
          const [rx, rw] = await on('cpu', grads)
          assertClose(gx!, rx!, 'dx')
          assertClose(gw!, rw!, 'dW via tf.grad')
        })
      }
    }
  }
})

describe('Conv2DBackpropFilter on wasm, a few images at a time (the cache-sized chunks) vs cpu', () => {
  // 98x98 padded frames with 3*16 + 16 product columns are ~2.5 MB an image: one image per chunk, so
  // five images are five chunks whose gradients are summed; 'valid' pads nothing, 'same' pads.
  for (const pad of ['same', 'valid'] as const) {
    test(`x [5,96,96,16] k 3x3 -> 16, stride 1, pad ${pad}: five chunks of one image`, async () => {
      assert.equal(imagesPerChunk(98, 98, 3, 16, 16), 1)
      const xShape = [5, 96, 96, 16]
      await checkFilterGradient(xShape, normal(xShape, 7), [3, 3, 16, 16], 1, pad, 8)
    })
  }
  test('x [5,64,64,16] k 3x3 -> 16, same: chunks of three images and of two', async () => {
    assert.equal(imagesPerChunk(66, 66, 3, 16, 16), 3)
    const xShape = [5, 64, 64, 16]
    await checkFilterGradient(xShape, normal(xShape, 9), [3, 3, 16, 16], 1, 'same', 10)
  })
})

describe('Conv2DBackpropFilter on wasm, strided (columns of the strided taps) vs cpu', () => {
  // The VAEs' shapes in small (one input channel into 16, stride 2) and uneven strides, where each
  // stride > 1 takes the column path; dW straight, and through tf.grad of conv2d and conv2dTranspose.
  const cases: Array<{ x: Shape; cout: number; strides: [number, number] }> = [
    { x: [4, 16, 16, 1], cout: 16, strides: [2, 2] },
    { x: [2, 9, 11, 3], cout: 5, strides: [2, 3] },
    { x: [2, 10, 7, 4], cout: 3, strides: [1, 2] },
    { x: [3, 11, 8, 2], cout: 4, strides: [3, 1] },
  ]
  const explicit: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [2, 1],
    [0, 2],
    [0, 0],
  ]
  for (const c of cases) {
    // A numeric pad only for equal strides: tfjs sizes its output from the height's stride alone.
    const pads = ['same' as const, 'valid' as const, ...(c.strides[0] === c.strides[1] ? [1] : []), explicit]
    for (const pad of pads) {
      test(`x [${c.x}] k 3x3 -> ${c.cout}, strides ${c.strides}, pad ${JSON.stringify(pad)}`, async () => {
        const filterShape = [3, 3, c.x[3]!, c.cout] as [number, number, number, number]
        await checkFilterGradient(c.x, normal(c.x, 4), filterShape, c.strides, pad, 5)
      })
    }
  }

  test('the filter gradient of a stride-2 conv2dTranspose (the VAE decoder) through tf.grad', async () => {
    const hShape = [4, 8, 8, 16]
    const wShape = [3, 3, 1, 16]
    const hv = normal(hShape, 6)
    const wv = normal(wShape, 7, 0.1)
    const dyv = normal([4, 16, 16, 1], 8, 0.05)
    const grads = (): tf.Tensor[] => {
      const dy = tf.tensor(dyv, [4, 16, 16, 1])
      const g = tf.grads((h: tf.Tensor, w: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2dTranspose(h as tf.Tensor4D, w as tf.Tensor4D, [4, 16, 16, 1], 2, 'same'), dy)),
      )
      return g([tf.tensor(hv, hShape), tf.tensor(wv, wShape)])
    }
    const [gh, gw] = await on('wasm', grads)
    const [rh, rw] = await on('cpu', grads)
    assertClose(gh!, rh!, 'dh')
    assertClose(gw!, rw!, 'dW')
  })
})

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding

/**
 * Conv2DBackpropFilter straight through the kernel on wasm (ours) and cpu, equal within tolerance. dy
 * has the forward's shape, scaled so that dW (a sum over all output positions) is of order 1; it is
 * returned for the tf.grad checks that follow.
 */
async function checkFilterGradient(
  xShape: Shape,
  xv: Float32Array,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: Pad,
  seed: number,
): Promise<{ yShape: number[]; dyv: Float32Array }> {
  const yShape = tf.tidy(
    () =>
      tf.conv2d(
        tf.zeros<tf.Rank>(xShape) as tf.Tensor4D,
        tf.zeros<tf.Rank>(filterShape) as tf.Tensor4D,
        strides,
        pad,
      ).shape,
  )
  const dyv = normal(yShape, seed, 1 / Math.sqrt(size(yShape) / filterShape[3]))
  const attrs = { strides, pad, dataFormat: 'NHWC', filterShape } as unknown as tf.NamedAttrMap
  const kernel = (): tf.Tensor[] => [
    tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x: tf.tensor(xv, xShape), dy: tf.tensor(dyv, yShape) },
        attrs,
      ) as tf.Tensor,
  ]
  const [ours] = await on('wasm', kernel)
  const [ref] = await on('cpu', kernel)
  assertClose(ours!, ref!, 'dW')
  return { yShape, dyv }
}

/** Straightforward 'same'-padded 3D convolution (stride 1 in D) with its two gradients, in float64. */
function naiveConv3d(
  x: Float32Array,
  xs: Shape,
  w: Float32Array,
  ws: Shape,
  s: number,
  dy: Float32Array | null,
): { y: Float32Array; dx: Float32Array; dw: Float32Array; yShape: Shape } {
  const [n, d, h, wd, c] = xs as [number, number, number, number, number]
  const [kd, kh, kw, , o] = ws as [number, number, number, number, number]
  const oh = Math.ceil(h / s)
  const ow = Math.ceil(wd / s)
  const pd = (kd - 1) / 2
  const ph = Math.floor(Math.max(0, (oh - 1) * s + kh - h) / 2)
  const pw = Math.floor(Math.max(0, (ow - 1) * s + kw - wd) / 2)
  const y = new Float64Array(n * d * oh * ow * o)
  const dx = new Float64Array(x.length)
  const dw = new Float64Array(w.length)
  for (let b = 0; b < n; b++)
    for (let z = 0; z < d; z++)
      for (let yy = 0; yy < oh; yy++)
        for (let xx = 0; xx < ow; xx++)
          for (let a = 0; a < kd; a++)
            for (let p = 0; p < kh; p++)
              for (let q = 0; q < kw; q++) {
                const iz = z + a - pd
                const iy = yy * s + p - ph
                const ix = xx * s + q - pw
                if (iz < 0 || iz >= d || iy < 0 || iy >= h || ix < 0 || ix >= wd) continue
                const xi = (((b * d + iz) * h + iy) * wd + ix) * c
                const yi = (((b * d + z) * oh + yy) * ow + xx) * o
                const wi = ((a * kh + p) * kw + q) * c * o
                for (let ci = 0; ci < c; ci++)
                  for (let oi = 0; oi < o; oi++) {
                    y[yi + oi]! += x[xi + ci]! * w[wi + ci * o + oi]!
                    if (dy) {
                      dx[xi + ci]! += dy[yi + oi]! * w[wi + ci * o + oi]!
                      dw[wi + ci * o + oi]! += dy[yi + oi]! * x[xi + ci]!
                    }
                  }
              }
  return {
    y: Float32Array.from(y),
    dx: Float32Array.from(dx),
    dw: Float32Array.from(dw),
    yShape: [n, d, oh, ow, o],
  }
}

describe('conv3d (one conv2d on wasm) vs tf.conv3d on cpu and a direct loop', () => {
  const xShape = [1, 6, 12, 12, 4]
  const cout = 5
  for (const k of [
    [3, 3, 3],
    [1, 3, 3],
    [3, 1, 1],
  ] as const) {
    for (const stride of [1, 2] as const) {
      test(`kernel ${k.join('x')}, in-plane stride ${stride}: forward, d/dx, d/dw`, async () => {
        const wShape = [...k, xShape[4]!, cout]
        const xv = normal(xShape, 11)
        const wv = normal(wShape, 12, 1 / Math.sqrt(k[0] * k[1] * k[2] * xShape[4]!))
        const ref = naiveConv3d(xv, xShape, wv, wShape, stride, null)
        const dyv = normal(ref.yShape, 13)
        const loop = naiveConv3d(xv, xShape, wv, wShape, stride, dyv)
        const run = (f: (x: tf.Tensor5D, w: tf.Tensor5D) => tf.Tensor5D) => (): tf.Tensor[] => {
          const x = tf.tensor<tf.Rank>(xv, xShape) as tf.Tensor5D
          const w = tf.tensor<tf.Rank>(wv, wShape) as tf.Tensor5D
          const dy = tf.tensor(dyv, ref.yShape)
          const y = f(x, w)
          const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(f(a as tf.Tensor5D, b as tf.Tensor5D), dy)),
          )([x, w])
          return [y, gx!, gw!]
        }
        const [y, gx, gw] = await on(
          'wasm',
          run((x, w) => conv3d(x, w, { strideHW: stride })),
        )
        assertClose(y!, loop.y, 'y vs loop')
        assertClose(gx!, loop.dx, 'dx vs loop')
        assertClose(gw!, loop.dw, 'dw vs loop')
        // tfjs' own Conv3D on cpu, except where its 'same' padding goes negative (a 1-wide kernel at
        // stride 2 on an even size: it then reads the odd positions, unlike TensorFlow).
        if (stride === 1 || (k[1] > 1 && k[2] > 1)) {
          const [ry, rx, rw] = await on(
            'cpu',
            run((x, w) => tf.conv3d(x, w, [1, stride, stride], 'same')),
          )
          assertClose(y!, ry!, 'y vs tf.conv3d')
          assertClose(gx!, rx!, 'dx vs tf.conv3d')
          assertClose(gw!, rw!, 'dw vs tf.conv3d')
        }
      })
    }
  }

  test('the same on the cpu backend (the composition is backend-independent)', async () => {
    const wShape = [3, 3, 3, 4, 5]
    const xv = normal(xShape, 21)
    const wv = normal(wShape, 22, 0.1)
    const f = (): tf.Tensor[] => [
      conv3d(tf.tensor<tf.Rank>(xv, xShape) as tf.Tensor5D, tf.tensor<tf.Rank>(wv, wShape) as tf.Tensor5D),
    ]
    const [cpu] = await on('cpu', f)
    const [wasm] = await on('wasm', f)
    assertClose(wasm!, cpu!, 'y')
  })

  test('bad shapes are InputErrors', () => {
    tf.tidy(() => {
      const x = tf.zeros([1, 4, 8, 8, 2]) as tf.Tensor5D
      assert.throws(() => conv3d(x, tf.zeros([2, 3, 3, 2, 4]) as tf.Tensor5D), InputError)
      assert.throws(() => conv3d(x, tf.zeros([3, 3, 3, 3, 4]) as tf.Tensor5D), InputError)
      assert.throws(
        () => conv3d(x, tf.zeros([3, 3, 3, 2, 4]) as tf.Tensor5D, { strideHW: 3 as 2 }),
        InputError,
      )
    })
  })
})

describe('maxPoolHW and upsampleHW vs explicit loops', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    // Even sizes take wasm's unrolled 2x2 path, odd ones the general loop; rounded values make ties,
    // where the gradient must go to the first maximum of each window.
    for (const [shape, ties] of [
      [[1, 3, 8, 6, 4], false],
      [[2, 2, 5, 7, 3], false],
      [[1, 2, 6, 8, 3], true],
      [[1, 2, 7, 5, 2], true],
    ] as Array<[number[], boolean]>) {
      test(`maxPoolHW [${shape}]${ties ? ' with ties' : ''} on ${backend}: forward and gradient`, async () => {
        const [n, d, h, w, c] = shape as [number, number, number, number, number]
        const oh = Math.floor(h / 2)
        const ow = Math.floor(w / 2)
        const xv = normal(shape, 31).map((v) => (ties ? Math.round(v) : v))
        const dyv = normal([n, d, oh, ow, c], 32)
        const y = new Float32Array(n * d * oh * ow * c)
        const dx = new Float32Array(xv.length)
        for (let b = 0; b < n * d; b++)
          for (let i = 0; i < oh; i++)
            for (let j = 0; j < ow; j++)
              for (let ch = 0; ch < c; ch++) {
                let best = -Infinity
                let at = -1
                for (const [p, q] of [
                  [0, 0],
                  [0, 1],
                  [1, 0],
                  [1, 1],
                ] as const) {
                  const k = ((b * h + 2 * i + p) * w + 2 * j + q) * c + ch
                  if (xv[k]! > best) {
                    best = xv[k]!
                    at = k
                  }
                }
                const o = ((b * oh + i) * ow + j) * c + ch
                y[o] = best
                dx[at]! += dyv[o]!
              }
        const [gy, gx] = await on(backend, () => {
          const x = tf.tensor<tf.Rank>(xv, shape) as tf.Tensor5D
          const dy = tf.tensor(dyv, [n, d, oh, ow, c])
          const out = maxPoolHW(x)
          const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(maxPoolHW(a as tf.Tensor5D), dy)))(x)
          return [out, g]
        })
        assertClose(gy!, y, 'y')
        assertClose(gx!, dx, 'dx')
      })

      test(`upsampleHW [${shape}] on ${backend}: forward and gradient`, async () => {
        const [n, d, h, w, c] = shape as [number, number, number, number, number]
        const xv = normal(shape, 41)
        const dyv = normal([n, d, 2 * h, 2 * w, c], 42)
        const y = new Float32Array(dyv.length)
        const dx = new Float32Array(xv.length)
        for (let b = 0; b < n * d; b++)
          for (let i = 0; i < 2 * h; i++)
            for (let j = 0; j < 2 * w; j++)
              for (let ch = 0; ch < c; ch++) {
                const src = ((b * h + (i >> 1)) * w + (j >> 1)) * c + ch
                const dst = ((b * 2 * h + i) * 2 * w + j) * c + ch
                y[dst] = xv[src]!
                dx[src]! += dyv[dst]!
              }
        const [gy, gx] = await on(backend, () => {
          const x = tf.tensor<tf.Rank>(xv, shape) as tf.Tensor5D
          const dy = tf.tensor(dyv, [n, d, 2 * h, 2 * w, c])
          const out = upsampleHW(x)
          const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(upsampleHW(a as tf.Tensor5D), dy)))(x)
          return [out, g]
        })
        assertClose(gy!, y, 'y')
        assertClose(gx!, dx, 'dx')
      })
    }
  }
})
