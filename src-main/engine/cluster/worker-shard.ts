/**
 * One worker's share of the points and the distance kernel that runs on it (in a worker thread, on
 * its own single-threaded wasm engine).
 *
 * Squared distances come as ||x||^2 - (2 x.c - ||c||^2), the bracket (the score) from one product
 * per block of points, in one of two layouts:
 *
 *  - 'columns' (few features): [-||c||^2, 2c] (m x d+1) @ [1; x] (d+1 x rows). The points are the
 *    second operand on purpose: wasm's matMul (XNNPACK fully-connected) packs its second operand
 *    once per tensor and keeps it, so the points are packed on the first product and later
 *    iterations only stream the centres through. Scores come centres x points, so the best centre of
 *    each point is a max down a column, which XNNPACK's max pool does 4 points at a time (SIMD);
 *    tf.argMin, and a JS loop along rows, measured 5x slower than it.
 *  - 'rows' (many features): x (rows x d) @ 2c^T (d x m) + bias -||c||^2. With d in the hundreds the
 *    product dwarfs the max along rows, and this layout needs no transposed copy of the points and
 *    no packing of them (the first 'columns' product of 10000 x 1000 points cost 3x a later one).
 *
 * XNNPACK's float32 kernels add the products of each score in order, one rounding each, starting
 * from the bias ('rows') or the first product ('columns', where that is -||c||^2 x 1): so both
 * layouts give the same bits, whatever block a point sits in. k-means relies on that: after its
 * first iterations it measures only the points its bounds leave open (lloyd-shard.ts), gathered into
 * fresh 'rows' blocks (no packing for a block used once). Every score is within
 * (d + 2) 2^-24 (||x||^2 + 2 ||c||^2) of the exact one (float32 products of d terms plus the bias),
 * which k-means' bounds rely on too (see `scoreError`).
 */
import { tf } from '../tensor/index.ts'
import { centreRows } from './points.ts'

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

export interface Block {
  /** The first point (or, gathered, the first position in the indices). */
  start: number
  rows: number
  /** 'columns': [1; x] transposed, (d + 1) x rows; 'rows': x, rows x d. */
  x: tf.Tensor2D
  layout: Layout
}

/**
 * Heap views of one block's scores, score(c, i) = g[c * centreStride + i * pointStride], and (when
 * asked for) each point's max over them, best[i].
 */
export interface Scores {
  g: Float32Array
  centreStride: number
  pointStride: number
  best: Float32Array
}

/** What a product is for, besides `visit`. */
export interface ScoreOptions {
  /** Each point's max over the centres. */
  max?: boolean
  /** Points to measure (local; the first `count`), gathered into fresh blocks. Default: all. */
  indices?: Int32Array
  count?: number
  /**
   * After `visit`, which may overwrite scores (k-means sets each point's best to -Infinity), the
   * max again: each point's max over what is left.
   */
  then?: (block: Block, best: Float32Array) => void
}

export interface NearestReply {
  /** The largest distance to the nearest of the set, and where (local index; -1 when all are excluded). */
  max: number
  argmax: number
  near?: Float64Array
}

/** The bound on a score's rounding error, per unit of ||x||^2 + 2 ||c||^2 (twice (d + 2) 2^-24, for slack). */
export function scoreError(d: number): number {
  return (d + 2) * 2 ** -23
}

export class Shard {
  /** The centred points, rows x d. */
  readonly x: Float32Array
  /** ||x||^2 of each point, and their sum. */
  readonly norms: Float64Array
  readonly normsTotal: number
  private readonly blocks: Block[] = []
  /** Squared distance to the nearest point of a growing set (k-means++ seeding, the core-set). */
  private near: Float64Array
  /** Squared distances to the last candidates tried (candidates x rows). */
  private tried = new Float64Array(0)

  /** `points` (rows x d, taken over) less `mean`: the shard works on centred points (see points.ts). */
  constructor(
    points: Float32Array,
    readonly rows: number,
    readonly d: number,
    mean: Float32Array,
    readonly layout: Layout = d >= ROWS_LAYOUT_FROM_D ? 'rows' : 'columns',
    blockRows = BLOCK_ROWS,
  ) {
    this.x = points
    this.near = new Float64Array(rows).fill(Infinity)
    const { norms, total } = centreRows(points, rows, d, mean)
    this.norms = norms
    this.normsTotal = total
    for (let start = 0; start < rows; start += blockRows) {
      this.blocks.push(this.block(start, Math.min(blockRows, rows - start), null))
    }
  }

  /**
   * A block of `count` points: the points from `start` on, in the shard's layout, or (gathered) the
   * points `indices` from position `start` on, in the 'rows' layout: packing a 'columns' block for
   * one product (and transposing it) cost more than the slower max pool of the 'rows' layout saves.
   */
  private block(start: number, count: number, indices: Int32Array | null): Block {
    const { d, x } = this
    if (indices) {
      const t = new Float32Array(count * d)
      for (let i = 0; i < count; i++) {
        const p = indices[start + i]! * d
        // A view per row costs more than the copy of a short one.
        if (d > 64) t.set(x.subarray(p, p + d), i * d)
        else for (let j = 0; j < d; j++) t[i * d + j] = x[p + j]!
      }
      return { start, rows: count, x: tf.tensor2d(t, [count, d]), layout: 'rows' }
    }
    if (this.layout === 'rows')
      return {
        start,
        rows: count,
        x: tf.tensor2d(x.subarray(start * d, (start + count) * d), [count, d]),
        layout: 'rows',
      }
    const t = new Float32Array((d + 1) * count)
    t.fill(1, 0, count)
    // Tiles of 64 points keep both the reads and the strided writes within the cache.
    for (let i0 = 0; i0 < count; i0 += 64) {
      const i1 = Math.min(i0 + 64, count)
      for (let j = 0; j < d; j++) {
        const row = (j + 1) * count
        for (let i = i0; i < i1; i++) t[row + i] = x[(start + i) * d + j]!
      }
    }
    return { start, rows: count, x: tf.tensor2d(t, [d + 1, count]), layout: 'columns' }
  }

  dispose(): void {
    for (const b of this.blocks.splice(0)) b.x.dispose()
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
    this.scores(candidates, m, (block, { g, centreStride: cs, pointStride: ps }) => {
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
    this.scores(
      points,
      m,
      (block, { best }) => {
        for (let i = 0; i < block.rows; i++) {
          const p = block.start + i
          const dist = Math.max(this.norms[p]! - best[i]!, 0)
          if (dist < near[p]!) near[p] = dist
        }
      },
      { max: true },
    )
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
   * (2 x.c - ||c||^2) and, if asked for, each point's max over them (XNNPACK's max pool: down the
   * columns in the 'columns' layout, 4 points at a time; tf.argMin, and a JS loop along rows,
   * measured 5x slower than it). The views are valid only during the call (the wasm heap may move
   * on the next allocation).
   */
  scores(
    centres: Float32Array,
    m: number,
    visit: (block: Block, scores: Scores) => void,
    o: ScoreOptions = {},
  ): void {
    const d = this.d
    const heap = tf.backend() as unknown as Heap
    const held: tf.Tensor[] = []
    const twice = new Float32Array(m * d)
    const minusNorms = new Float32Array(m)
    for (let c = 0; c < m; c++) {
      let norm = 0
      for (let t = 0; t < d; t++) {
        const v = centres[c * d + t]!
        twice[c * d + t] = 2 * v
        norm += v * v
      }
      minusNorms[c] = -norm
    }
    let rowsOperands: { b: tf.Tensor2D; bias: tf.Tensor1D } | null = null
    let columnsOperand: tf.Tensor2D | null = null
    const product = (block: Block): tf.Tensor2D => {
      if (block.layout === 'rows') {
        if (!rowsOperands) {
          const b = new Float32Array(d * m)
          for (let c = 0; c < m; c++) for (let t = 0; t < d; t++) b[t * m + c] = twice[c * d + t]!
          rowsOperands = { b: tf.tensor2d(b, [d, m]), bias: tf.tensor1d(minusNorms) }
          held.push(rowsOperands.b, rowsOperands.bias)
        }
        return tf.fused.matMul({ a: block.x, ...rowsOperands }) as tf.Tensor2D
      }
      if (!columnsOperand) {
        // -||c||^2 first, against the points' row of ones: the same sum, in the same order, as the
        // 'rows' layout's bias.
        const a = new Float32Array(m * (d + 1))
        for (let c = 0; c < m; c++) {
          a[c * (d + 1)] = minusNorms[c]!
          a.set(twice.subarray(c * d, (c + 1) * d), c * (d + 1) + 1)
        }
        columnsOperand = tf.tensor2d(a, [m, d + 1])
        held.push(columnsOperand)
      }
      return tf.matMul(columnsOperand, block.x)
    }
    const max = (g: tf.Tensor2D, block: Block): tf.Tensor => {
      const shaped =
        block.layout === 'rows' ? tf.reshape(g, [1, block.rows, m, 1]) : tf.reshape(g, [1, m, 1, block.rows])
      const best = tf.maxPool(shaped as tf.Tensor4D, block.layout === 'rows' ? [1, m] : [m, 1], 1, 'valid')
      shaped.dispose()
      return best
    }
    try {
      const one = (block: Block): void => {
        const g = product(block)
        let best: tf.Tensor = g
        try {
          if ((o.max || o.then) && m > 1) best = max(g, block)
          const view = heap.typedArrayFromHeap(g) as Float32Array
          visit(block, {
            g: view,
            centreStride: block.layout === 'rows' ? 1 : block.rows,
            pointStride: block.layout === 'rows' ? m : 1,
            best: heap.typedArrayFromHeap(best) as Float32Array,
          })
          if (!o.then) return
          if (best !== g) best.dispose()
          // One centre: nothing is left (the max of none).
          best = m > 1 ? max(g, block) : tf.fill([block.rows], -Infinity)
          o.then(block, heap.typedArrayFromHeap(best) as Float32Array)
        } finally {
          g.dispose()
          if (best !== g) best.dispose()
        }
      }
      if (!o.indices) for (const block of this.blocks) one(block)
      const count = o.count ?? 0
      for (let start = 0; o.indices && start < count; start += BLOCK_ROWS) {
        const block = this.block(start, Math.min(BLOCK_ROWS, count - start), o.indices)
        try {
          one(block)
        } finally {
          block.x.dispose()
        }
      }
    } finally {
      for (const t of held) t.dispose()
    }
  }
}
