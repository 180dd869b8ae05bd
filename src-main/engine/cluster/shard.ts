/**
 * One worker's share of the points and the distance kernel that runs on it (in a worker thread, on
 * its own single-threaded wasm engine).
 *
 * Squared distances come as ||x||^2 - (2 x.c - ||c||^2), the bracket (the score) from one product
 * per block of points, in one of two layouts:
 *
 *  - 'columns' (few features): [2c, -||c||^2] (m x d+1) @ [x; 1] (d+1 x rows). The points are the
 *    second operand on purpose: wasm's matMul (XNNPACK fully-connected) packs its second operand
 *    once per tensor and keeps it, so the points are packed on the first product and later
 *    iterations only stream the centres through. Scores come centres x points, so the best centre of
 *    each point is a max down a column, which XNNPACK's max pool does 4 points at a time (SIMD);
 *    tf.argMin, and a JS loop along rows, measured 5x slower than it.
 *  - 'rows' (many features): x (rows x d) @ 2c^T (d x m) + bias -||c||^2. With d in the hundreds the
 *    product dwarfs the max along rows, and this layout needs no transposed copy of the points and
 *    no packing of them (the first 'columns' product of 10000 x 1000 points cost 3x a later one).
 *
 * Which centre gave the max is found in JS by comparing the values: a point's previous centre first,
 * which after the first few iterations nearly always still is.
 */
import { tf } from '../tensor/index.ts'

interface Heap {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array
}

/**
 * Points per block: the block's scores (k x rows) are written by the product and read straight back
 * by the max pool and the label search. 4096 and 8192 measured alike, 1024-2048 up to 1.5x slower
 * (more, smaller products), 12500 and up 20% slower (the scores leave the cache).
 */
export const BLOCK_ROWS = 4096

/** Centres per product when a set is larger than that (a labelled set for the core-set). */
const CENTRE_CHUNK = 256

/**
 * From this many features on, the 'rows' layout. Measured per product: 'columns' 5-10% faster up to
 * d = 256, even at 512; 'rows' sets up ~40% faster at any d, which pays only for short runs below 512.
 */
export const ROWS_LAYOUT_FROM_D = 512

export type Layout = 'columns' | 'rows'

interface Block {
  start: number
  rows: number
  /** 'columns': [x; 1] transposed, (d + 1) x rows; 'rows': x, rows x d. */
  x: tf.Tensor2D
}

/** Heap views of one block's scores: score(c, i) = g[c * centreStride + i * pointStride]. */
interface Scores {
  g: Float32Array
  /** The max over centres of each point's scores (when asked for). */
  best: Float32Array
  centreStride: number
  pointStride: number
}

export interface AssignReply {
  labels: Int32Array
  /** Squared distance to the centre assigned, from the product (float32 rounding). */
  distances: Float32Array
  /** Points whose centre differs from the previous assignment (all of them on a fresh one). */
  changed: number
  /** Per-centre sums of this shard's points (k x d) and counts, when asked for. */
  sums?: Float64Array
  counts?: Float64Array
}

export interface NearestReply {
  /** The largest distance to the nearest of the set, and where (local index; -1 when all are excluded). */
  max: number
  argmax: number
  near?: Float64Array
}

export class Shard {
  readonly labels: Int32Array
  private readonly norms: Float64Array
  private readonly blocks: Block[] = []
  private sums = new Float64Array(0)
  private counts = new Float64Array(0)
  /** Squared distance to the nearest point of a growing set (k-means++ seeding, the core-set). */
  private near: Float64Array
  /** Squared distances to the last candidates tried (candidates x rows). */
  private tried = new Float64Array(0)

  private readonly x: Float32Array

  /** `points` (rows x d, taken over) less `mean`: the shard works on centred points (see points.ts). */
  constructor(
    points: Float32Array,
    readonly rows: number,
    readonly d: number,
    mean: Float32Array,
    readonly layout: Layout = d >= ROWS_LAYOUT_FROM_D ? 'rows' : 'columns',
    blockRows = BLOCK_ROWS,
  ) {
    const x = points
    this.x = x
    this.labels = new Int32Array(rows).fill(-1)
    this.near = new Float64Array(rows).fill(Infinity)
    this.norms = new Float64Array(rows)
    for (let i = 0; i < rows; i++) {
      let s = 0
      for (let j = 0, p = i * d; j < d; j++, p++) {
        const v = Math.fround(x[p]! - mean[j]!)
        x[p] = v
        s += v * v
      }
      this.norms[i] = s
    }
    for (let start = 0; start < rows; start += blockRows) {
      const count = Math.min(blockRows, rows - start)
      if (layout === 'rows') {
        this.blocks.push({
          start,
          rows: count,
          x: tf.tensor2d(x.subarray(start * d, (start + count) * d), [count, d]),
        })
        continue
      }
      const t = new Float32Array((d + 1) * count)
      // Tiles of 64 points keep both the reads and the strided writes within the cache.
      for (let i0 = 0; i0 < count; i0 += 64) {
        const i1 = Math.min(i0 + 64, count)
        for (let j = 0; j < d; j++) {
          const row = j * count
          for (let i = i0; i < i1; i++) t[row + i] = x[(start + i) * d + j]!
        }
      }
      t.fill(1, d * count)
      this.blocks.push({ start, rows: count, x: tf.tensor2d(t, [d + 1, count]) })
    }
  }

  dispose(): void {
    for (const b of this.blocks.splice(0)) b.x.dispose()
  }

  /**
   * Nearest centre of every point; with `update`, the per-centre sums follow the points that moved
   * (incrementally: after the first iterations few do). `fresh` starts a new run.
   */
  assign(centres: Float32Array, k: number, update: boolean, fresh: boolean): AssignReply {
    const { rows, d, x, labels } = this
    if (fresh) {
      labels.fill(-1)
      this.sums = new Float64Array(k * d)
      this.counts = new Float64Array(k)
    }
    const { sums, counts } = this
    const distances = new Float32Array(rows)
    let changed = 0
    this.scores(centres, k, true, (block, { g, best, centreStride: cs, pointStride: ps }) => {
      for (let i = 0; i < block.rows; i++) {
        const top = best[i]!
        const p = block.start + i
        const dist = this.norms[p]! - top
        distances[p] = dist > 0 ? dist : 0
        const old = labels[p]!
        let j = old
        if (old < 0 || g[old * cs + i * ps] !== top) {
          // The first centre reaching the max, as sklearn's argmin keeps the first of equals. A
          // search per point measured faster than one pass over all the scores in memory order.
          j = 0
          while (j < k - 1 && g[j * cs + i * ps] !== top) j++
        }
        if (j === old) continue
        changed++
        labels[p] = j
        if (!update) continue
        const row = p * d
        if (old >= 0) {
          const o = old * d
          for (let t = 0; t < d; t++) sums[o + t]! -= x[row + t]!
          counts[old]!--
        }
        const o = j * d
        for (let t = 0; t < d; t++) sums[o + t]! += x[row + t]!
        counts[j]!++
      }
    })
    const reply: AssignReply = { labels: labels.slice(), distances, changed }
    if (update) {
      reply.sums = sums.slice()
      reply.counts = counts.slice()
    }
    return reply
  }

  /** Exact squared distances (float64 sums of squared differences) to the centres of the last assignment. */
  exact(centres: Float32Array): { distances: Float32Array; total: number } {
    const { rows, d, x, labels } = this
    const distances = new Float32Array(rows)
    let total = 0
    for (let i = 0; i < rows; i++) {
      const c = labels[i]! * d
      let s = 0
      for (let t = 0; t < d; t++) {
        const v = x[i * d + t]! - centres[c + t]!
        s += v * v
      }
      distances[i] = s
      total += s
    }
    return { distances, total }
  }

  /**
   * Starts a nearest-distance set from `points` (m x d, none for an empty set); `exclude` (local
   * indices) are never reported as the farthest point.
   */
  nearReset(points: Float32Array, m: number, exclude: Int32Array, withNear: boolean): NearestReply {
    this.near.fill(Infinity)
    for (let s = 0; s < m; s += CENTRE_CHUNK) {
      const count = Math.min(CENTRE_CHUNK, m - s)
      this.lowerNear(points.subarray(s * this.d, (s + count) * this.d), count)
    }
    for (const i of exclude) this.near[i] = -Infinity
    return this.farthest(withNear)
  }

  /** Adds `points` to the set; `pick` (a local index, or -1) is excluded from then on. */
  nearAdd(points: Float32Array, m: number, pick: number, withNear: boolean): NearestReply {
    this.lowerNear(points, m)
    if (pick >= 0) this.near[pick] = -Infinity
    return this.farthest(withNear)
  }

  /** k-means++ trials: for each candidate, the sum over the shard of min(near, distance to it). */
  nearTry(candidates: Float32Array, m: number): Float64Array {
    const { rows, near } = this
    this.tried = new Float64Array(m * rows)
    const tried = this.tried
    const pots = new Float64Array(m)
    this.scores(candidates, m, false, (block, { g, centreStride: cs, pointStride: ps }) => {
      for (let c = 0; c < m; c++) {
        let pot = 0
        for (let i = 0; i < block.rows; i++) {
          const p = block.start + i
          const dist = Math.max(this.norms[p]! - g[c * cs + i * ps]!, 0)
          tried[c * rows + p] = dist
          pot += Math.min(near[p]!, dist)
        }
        pots[c]! += pot
      }
    })
    return pots
  }

  /** Keeps candidate `c` of the last trial: the set's distances become the min with it. */
  nearPick(c: number): Float64Array {
    const { rows, near, tried } = this
    for (let i = 0; i < rows; i++) near[i] = Math.min(near[i]!, tried[c * rows + i]!)
    return near.slice()
  }

  private lowerNear(points: Float32Array, m: number): void {
    const near = this.near
    this.scores(points, m, true, (block, { best: top }) => {
      for (let i = 0; i < block.rows; i++) {
        const p = block.start + i
        const dist = Math.max(this.norms[p]! - top[i]!, 0)
        if (dist < near[p]!) near[p] = dist
      }
    })
  }

  private farthest(withNear: boolean): NearestReply {
    let max = -Infinity
    let argmax = -1
    for (let i = 0; i < this.rows; i++) {
      if (this.near[i]! > max) {
        max = this.near[i]!
        argmax = i
      }
    }
    return withNear ? { max, argmax, near: this.near.slice() } : { max, argmax }
  }

  /**
   * Runs the product of m centres with each block and hands `visit` heap views of the scores
   * (2 x.c - ||c||^2) and, with `withMax`, each point's max over them. The views are valid only
   * during the call (the wasm heap may move on the next allocation).
   */
  private scores(
    centres: Float32Array,
    m: number,
    withMax: boolean,
    visit: (block: Block, scores: Scores) => void,
  ): void {
    const d = this.d
    const heap = tf.backend() as unknown as Heap
    const minusNorms = new Float32Array(m)
    for (let c = 0; c < m; c++) {
      let norm = 0
      for (let t = 0; t < d; t++) norm += centres[c * d + t]! ** 2
      minusNorms[c] = -norm
    }
    const held: tf.Tensor[] = []
    try {
      let product: (block: Block) => tf.Tensor2D
      let pool: (g: tf.Tensor2D, rows: number) => [tf.Tensor4D, [number, number]]
      if (this.layout === 'rows') {
        const b = new Float32Array(d * m)
        for (let c = 0; c < m; c++) for (let t = 0; t < d; t++) b[t * m + c] = 2 * centres[c * d + t]!
        const bt = tf.tensor2d(b, [d, m])
        const bias = tf.tensor1d(minusNorms)
        held.push(bt, bias)
        product = (block) => tf.fused.matMul({ a: block.x, b: bt, bias }) as tf.Tensor2D
        pool = (g, rows) => [tf.reshape(g, [1, rows, m, 1]), [1, m]]
      } else {
        const a = new Float32Array(m * (d + 1))
        for (let c = 0; c < m; c++) {
          for (let t = 0; t < d; t++) a[c * (d + 1) + t] = 2 * centres[c * d + t]!
          a[c * (d + 1) + d] = minusNorms[c]!
        }
        const at = tf.tensor2d(a, [m, d + 1])
        held.push(at)
        product = (block) => tf.matMul(at, block.x)
        pool = (g, rows) => [tf.reshape(g, [1, m, 1, rows]), [m, 1]]
      }
      const rowsLayout = this.layout === 'rows'
      for (const block of this.blocks) {
        const g = product(block)
        let best: tf.Tensor = g
        if (withMax && m > 1) {
          const [shaped, size] = pool(g, block.rows)
          best = tf.maxPool(shaped, size, 1, 'valid')
          shaped.dispose()
        }
        try {
          visit(block, {
            g: heap.typedArrayFromHeap(g) as Float32Array,
            best: heap.typedArrayFromHeap(best) as Float32Array,
            centreStride: rowsLayout ? 1 : block.rows,
            pointStride: rowsLayout ? m : 1,
          })
        } finally {
          g.dispose()
          if (best !== g) best.dispose()
        }
      }
    } finally {
      for (const t of held) t.dispose()
    }
  }
}
