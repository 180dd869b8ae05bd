/**
 * A tiled 3D convolution for the webgpu backend, the third candidate beside the depth-tap
 * decomposition and tfjs-webgpu's own Conv3D (one thread per output value, gradients as direct loops):
 * an implicit GEMM. The output [N*D*Ho*Wo, Cout] is the product of the input's patches (gathered on the
 * fly, never materialised) and the filter as [kd*kh*kw*Cin, Cout]; each workgroup computes a 32x32
 * block of it from 16-deep slices of both operands staged in workgroup memory. The filter gradient is
 * the same product transposed (patches^T dy), split along the voxels into partial sums that one
 * reduction adds; the input gradient of a stride-1 'same' convolution is this convolution of dy with
 * the filter flipped in space and its channels swapped.
 *
 * Which candidate is fastest is for a real GPU to say (the device check runs the U-Net with each);
 * ACTIVEEM_CONV3D=tiled selects this one. 'same' padding, depth stride 1, in-plane stride 1 or 2, odd
 * kernel sizes.
 */
import * as tf from '@tensorflow/tfjs-core'
import { registerKernel, type KernelBackend, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core'

const WEBGPU = 'webgpu'
const FORWARD = 'ActiveEMConv3DTiled'
const FILTER_GRAD = 'ActiveEMConv3DTiledFilterGrad'
const TILE = 32
const DEPTH = 16
/** Voxels per partial sum of the filter gradient. */
const VOXELS_PER_SPLIT = 4096
const MAX_SPLITS = 256

interface Geometry {
  n: number
  d: number
  h: number
  w: number
  cin: number
  ho: number
  wo: number
  cout: number
  kd: number
  kh: number
  kw: number
  stride: number
}

const GEOMETRY_UNIFORMS = [
  'n',
  'd',
  'h',
  'w',
  'cin',
  'ho',
  'wo',
  'cout',
  'kd',
  'kh',
  'kw',
  'stride',
  'pd',
  'ph',
  'pw',
  'rows',
  'depth',
] as const

function uniformsOf(g: Geometry): Array<{ type: 'int32'; data: number[] }> {
  // 'same' padding: the top/left share of the total, as tf.conv3d pads.
  const pad = (size: number, out: number, k: number, s: number): number =>
    Math.floor(Math.max(0, (out - 1) * s + k - size) / 2)
  const values: Record<(typeof GEOMETRY_UNIFORMS)[number], number> = {
    ...g,
    pd: pad(g.d, g.d, g.kd, 1),
    ph: pad(g.h, g.ho, g.kh, g.stride),
    pw: pad(g.w, g.wo, g.kw, g.stride),
    rows: g.n * g.d * g.ho * g.wo,
    depth: g.kd * g.kh * g.kw * g.cin,
  }
  return GEOMETRY_UNIFORMS.map((k) => ({ type: 'int32', data: [values[k]] }))
}

/** A patch value: row m of the output grid, column k of the unrolled filter; zero in the padding. */
const GATHER = `
  fn gatherPatch(m : i32, k : i32) -> f32 {
    if (m >= uniforms.rows || k >= uniforms.depth) { return 0.0; }
    let xo = m % uniforms.wo;
    let r1 = m / uniforms.wo;
    let yo = r1 % uniforms.ho;
    let r2 = r1 / uniforms.ho;
    let zo = r2 % uniforms.d;
    let n = r2 / uniforms.d;
    let ci = k % uniforms.cin;
    let k1 = k / uniforms.cin;
    let c = k1 % uniforms.kw;
    let k2 = k1 / uniforms.kw;
    let b = k2 % uniforms.kh;
    let a = k2 / uniforms.kh;
    let zi = zo + a - uniforms.pd;
    let yi = yo * uniforms.stride + b - uniforms.ph;
    let xi = xo * uniforms.stride + c - uniforms.pw;
    if (zi < 0 || zi >= uniforms.d || yi < 0 || yi >= uniforms.h || xi < 0 || xi >= uniforms.w) { return 0.0; }
    return x[(((n * uniforms.d + zi) * uniforms.h + yi) * uniforms.w + xi) * uniforms.cin + ci];
  }
`

const UNIFORMS = GEOMETRY_UNIFORMS.map((k) => `${k} : i32,`).join(' ')

/** out[rows, cout] = patches(x) @ W[depth, cout]: 16x16 threads, each a 2x2 block of a 32x32 tile. */
class ForwardProgram {
  variableNames = ['x', 'W']
  uniforms = UNIFORMS
  workgroupSize: [number, number, number] = [16, 16, 1]
  dispatchLayout = { x: [1], y: [0] }
  dispatch: [number, number, number]
  outputShape: number[]
  shaderKey = 'activeem_conv3d_tiled'
  constructor(rows: number, cout: number) {
    this.outputShape = [rows, cout]
    this.dispatch = [Math.ceil(cout / TILE), Math.ceil(rows / TILE), 1]
  }
  getUserCode(): string {
    return `
      var<workgroup> As : array<array<f32, ${DEPTH}>, ${TILE}>;
      var<workgroup> Bs : array<array<f32, ${TILE}>, ${DEPTH}>;
      ${GATHER}
      fn main() {
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let t = ty * 16 + tx;
        let row0 = i32(workgroupId.y) * ${TILE};
        let col0 = i32(workgroupId.x) * ${TILE};
        var acc00 = 0.0; var acc01 = 0.0; var acc10 = 0.0; var acc11 = 0.0;
        for (var k0 = 0; k0 < uniforms.depth; k0 = k0 + ${DEPTH}) {
          for (var i = 0; i < 2; i = i + 1) {
            let e = t * 2 + i;
            let r = e / ${DEPTH};
            let kk = e % ${DEPTH};
            As[r][kk] = gatherPatch(row0 + r, k0 + kk);
            let kb = e / ${TILE};
            let cb = e % ${TILE};
            var bv = 0.0;
            if (k0 + kb < uniforms.depth && col0 + cb < uniforms.cout) {
              bv = W[(k0 + kb) * uniforms.cout + col0 + cb];
            }
            Bs[kb][cb] = bv;
          }
          workgroupBarrier();
          for (var kk = 0; kk < ${DEPTH}; kk = kk + 1) {
            let a0 = As[ty * 2][kk];
            let a1 = As[ty * 2 + 1][kk];
            let b0 = Bs[kk][tx * 2];
            let b1 = Bs[kk][tx * 2 + 1];
            acc00 = acc00 + a0 * b0; acc01 = acc01 + a0 * b1;
            acc10 = acc10 + a1 * b0; acc11 = acc11 + a1 * b1;
          }
          workgroupBarrier();
        }
        let r = row0 + ty * 2;
        let c = col0 + tx * 2;
        if (r < uniforms.rows && c < uniforms.cout) { result[r * uniforms.cout + c] = acc00; }
        if (r < uniforms.rows && c + 1 < uniforms.cout) { result[r * uniforms.cout + c + 1] = acc01; }
        if (r + 1 < uniforms.rows && c < uniforms.cout) { result[(r + 1) * uniforms.cout + c] = acc10; }
        if (r + 1 < uniforms.rows && c + 1 < uniforms.cout) { result[(r + 1) * uniforms.cout + c + 1] = acc11; }
      }
    `
  }
}

/**
 * partial[s, depth, cout] = patches(x)^T @ dy over the voxels of split s: a 32x32 tile of the filter
 * gradient per workgroup, 16 voxels at a time.
 */
class FilterGradProgram {
  variableNames = ['x', 'dy']
  uniforms = `${UNIFORMS} perSplit : i32,`
  workgroupSize: [number, number, number] = [16, 16, 1]
  dispatchLayout = { x: [2], y: [1], z: [0] }
  dispatch: [number, number, number]
  outputShape: number[]
  shaderKey = 'activeem_conv3d_tiled_filter_grad'
  constructor(splits: number, depth: number, cout: number) {
    this.outputShape = [splits, depth, cout]
    this.dispatch = [Math.ceil(cout / TILE), Math.ceil(depth / TILE), splits]
  }
  getUserCode(): string {
    return `
      var<workgroup> Ps : array<array<f32, ${TILE}>, ${DEPTH}>;
      var<workgroup> Ds : array<array<f32, ${TILE}>, ${DEPTH}>;
      ${GATHER}
      fn main() {
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let t = ty * 16 + tx;
        let k0 = i32(workgroupId.y) * ${TILE};
        let col0 = i32(workgroupId.x) * ${TILE};
        let s = i32(workgroupId.z);
        let mStart = s * uniforms.perSplit;
        let mEnd = min(uniforms.rows, mStart + uniforms.perSplit);
        var acc00 = 0.0; var acc01 = 0.0; var acc10 = 0.0; var acc11 = 0.0;
        // The trip count is uniform (barriers need it); the split's end is checked per voxel.
        for (var step = 0; step < uniforms.perSplit; step = step + ${DEPTH}) {
          let m0 = mStart + step;
          for (var i = 0; i < 2; i = i + 1) {
            let e = t * 2 + i;
            let mm = e / ${TILE};
            let cc = e % ${TILE};
            let m = m0 + mm;
            var pv = 0.0;
            var dv = 0.0;
            if (m < mEnd) {
              pv = gatherPatch(m, k0 + cc);
              if (col0 + cc < uniforms.cout) { dv = dy[m * uniforms.cout + col0 + cc]; }
            }
            Ps[mm][cc] = pv;
            Ds[mm][cc] = dv;
          }
          workgroupBarrier();
          for (var mm = 0; mm < ${DEPTH}; mm = mm + 1) {
            let a0 = Ps[mm][ty * 2];
            let a1 = Ps[mm][ty * 2 + 1];
            let b0 = Ds[mm][tx * 2];
            let b1 = Ds[mm][tx * 2 + 1];
            acc00 = acc00 + a0 * b0; acc01 = acc01 + a0 * b1;
            acc10 = acc10 + a1 * b0; acc11 = acc11 + a1 * b1;
          }
          workgroupBarrier();
        }
        let k = k0 + ty * 2;
        let c = col0 + tx * 2;
        let base = s * uniforms.depth * uniforms.cout;
        if (k < uniforms.depth && c < uniforms.cout) { result[base + k * uniforms.cout + c] = acc00; }
        if (k < uniforms.depth && c + 1 < uniforms.cout) { result[base + k * uniforms.cout + c + 1] = acc01; }
        if (k + 1 < uniforms.depth && c < uniforms.cout) { result[base + (k + 1) * uniforms.cout + c] = acc10; }
        if (k + 1 < uniforms.depth && c + 1 < uniforms.cout) { result[base + (k + 1) * uniforms.cout + c + 1] = acc11; }
      }
    `
  }
}

interface WebGpuBackendLike extends KernelBackend {
  runWebGPUProgram(
    program: object,
    inputs: TensorInfo[],
    dtype: 'float32',
    uniforms: Array<{ type: 'int32'; data: number[] }>,
  ): TensorInfo
}

/** The geometry of one convolution, from the 5D shapes (the programs see 2D views and these numbers). */
function geometry(xShape: readonly number[], wShape: readonly number[], stride: number): Geometry {
  const [n, d, h, w, cin] = xShape as [number, number, number, number, number]
  const [kd, kh, kw, , cout] = wShape as [number, number, number, number, number]
  return { n, d, h, w, cin, ho: Math.ceil(h / stride), wo: Math.ceil(w / stride), cout, kd, kh, kw, stride }
}

// Inputs arrive as 2D views ([voxels, channels], [depth, cout]): upstream's generated accessors for
// rank-5 inputs are what goes wrong elsewhere (webgpu-rank.ts), and these programs index flat anyway.
const forwardKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const g = (attrs as unknown as { g: Geometry }).g
  const program = new ForwardProgram(g.n * g.d * g.ho * g.wo, g.cout)
  const b = backend as WebGpuBackendLike
  return b.runWebGPUProgram(
    program,
    [inputs.x as TensorInfo, inputs.w as TensorInfo],
    'float32',
    uniformsOf(g),
  )
}

const filterGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const g = (attrs as unknown as { g: Geometry }).g
  const rows = g.n * g.d * g.ho * g.wo
  const splits = Math.min(MAX_SPLITS, Math.max(1, Math.ceil(rows / VOXELS_PER_SPLIT)))
  const perSplit = Math.ceil(rows / splits)
  const program = new FilterGradProgram(splits, g.kd * g.kh * g.kw * g.cin, g.cout)
  const b = backend as WebGpuBackendLike
  return b.runWebGPUProgram(program, [inputs.x as TensorInfo, inputs.dy as TensorInfo], 'float32', [
    ...uniformsOf(g),
    { type: 'int32', data: [perSplit] },
  ])
}

let registered = false

/** Registers both programs for the webgpu backend (once). */
export function registerTiledConv3dWebGpu(): void {
  if (registered) return
  registerKernel({ kernelName: FORWARD, backendName: WEBGPU, kernelFunc: forwardKernel })
  registerKernel({ kernelName: FILTER_GRAD, backendName: WEBGPU, kernelFunc: filterGradKernel })
  registered = true
}

function attrs(g: Geometry): tf.NamedAttrMap {
  return { g } as unknown as tf.NamedAttrMap
}

function forward(x: tf.Tensor5D, w: tf.Tensor5D, stride: number): tf.Tensor5D {
  const g = geometry(x.shape, w.shape, stride)
  return tf.tidy(() => {
    const x2 = tf.reshape(x, [g.n * g.d * g.h * g.w, g.cin])
    const w2 = tf.reshape(w, [g.kd * g.kh * g.kw * g.cin, g.cout])
    const y = tf.engine().runKernel(FORWARD, { x: x2, w: w2 }, attrs(g)) as tf.Tensor
    return tf.reshape(y, [g.n, g.d, g.ho, g.wo, g.cout])
  })
}

function filterGrad(x: tf.Tensor5D, dy: tf.Tensor5D, wShape: readonly number[], stride: number): tf.Tensor5D {
  const g = geometry(x.shape, wShape, stride)
  return tf.tidy(() => {
    const x2 = tf.reshape(x, [g.n * g.d * g.h * g.w, g.cin])
    const dy2 = tf.reshape(dy, [g.n * g.d * g.ho * g.wo, g.cout])
    const partial = tf.engine().runKernel(FILTER_GRAD, { x: x2, dy: dy2 }, attrs(g)) as tf.Tensor
    return tf.reshape(tf.sum(partial, 0), [...wShape]) as unknown as tf.Tensor5D
  })
}

/**
 * The filter flipped in all three spatial axes, input and output channels swapped. Flipping every axis
 * of a row-major block reverses its flat order, so one reverse of the merged axes does it (upstream's
 * webgpu Reverse takes rank 4 at most).
 */
function turned(w: tf.Tensor5D): tf.Tensor5D {
  const [kd, kh, kw, cin, cout] = w.shape
  const flat = tf.reverse(tf.reshape(w, [kd * kh * kw, cin, cout]), 0)
  return tf.reshape(tf.transpose(flat, [0, 2, 1]), [kd, kh, kw, cout, cin])
}

/**
 * [N, D, H, W, Cin] * [kd, kh, kw, Cin, Cout] with 'same' padding and in-plane stride 1 or 2, on the
 * tiled programs, with their gradients. webgpu only.
 */
export function conv3dTiled(x: tf.Tensor5D, w: tf.Tensor5D, stride: 1 | 2): tf.Tensor5D {
  registerTiledConv3dWebGpu()
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, wi, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc]
    save([xi, wi])
    return {
      value: forward(xi as tf.Tensor5D, wi as tf.Tensor5D, stride),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor5D, tf.Tensor5D]
        const dw = filterGrad(xs, dy as tf.Tensor5D, ws.shape, stride)
        // The input gradient: for stride 1 this convolution of dy with the filter turned round; a
        // strided one scatters, which tfjs' transposed convolution does.
        const dx =
          stride === 1
            ? tf.tidy(() => forward(dy as tf.Tensor5D, turned(ws), 1))
            : tf.conv3dTranspose(dy as tf.Tensor5D, ws, xs.shape, [1, stride, stride], 'same')
        return [dx, dw]
      },
    }
  })
  return op(x, w) as tf.Tensor5D
}
