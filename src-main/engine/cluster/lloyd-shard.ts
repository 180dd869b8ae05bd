/**
 * One shard's side of Lloyd's k-means: each step gives every point its nearest centre and keeps the
 * per-centre sums of the points, as plain Lloyd does, but skips the points whose centre bounds show
 * cannot change (Hamerly, "Making k-means even faster", 2010). The labels, and so the centres, are
 * those of measuring every point.
 *
 * The label rule is plain Lloyd's: the highest float32 score (as sklearn takes the least float32
 * distance), on a tie the point's previous centre if it is one of them, else the lowest index. The
 * scores do not depend on which block a point was measured in (worker-shard.ts).
 *
 * Bounds are on distances (not squared): per point an upper bound u on the distance to its centre
 * and a lower bound l on the distance to any other. When the centres move by s_j, u grows by s_a and
 * l shrinks by the largest s_j (triangle inequality); rather than rewrite them each step they are
 * stored offset by how far the centres have travelled so far. A point is skipped when
 * l^2 - u^2 > 2e (e: the bound on its scores' rounding error): then every other centre's score
 * trails its centre's by more than rounding could reverse. Bounds taken from scores are loosened by
 * e so that they hold for the exact distances.
 *
 * Measured: on 100000 x 32 blobs run to sklearn's tolerance (k = 64, 37 iterations) 13% of the
 * distances were measured and the run took half the time. The bench's blobs keep their centres
 * moving for its 20 iterations: there 57% (d = 32) and 95% (d = 1000), about even with measuring
 * everything once the open points' gathering and scan are paid for. Elkan's bounds (one per point
 * and centre, only the centres not ruled out measured) left 30% and 55% of the pairs, but their
 * upkeep in JS cost as much as the products they saved at d = 32, and products over gathered
 * subsets of the centres ~1.5x more per pair at d = 1000. Hamerly's centre-centre test changed
 * nothing there.
 */
import { LloydState, type StepReply } from './lloyd-state.ts'
import { BLOCK_ROWS, scoreError, type Block, type Scores, type Shard } from './worker-shard.ts'

/**
 * Above this fraction of points left open by the bounds, every point is measured in the full
 * blocks: a gathered point costs a copy and a JS pass along its scores (~1.2x a point of a full
 * block at d = 1000, ~2x at d = 32; the bench's steps measured alike from 0.35 to 0.7).
 */
const GATHER_BELOW = 0.7

/** Hamerly's bounds of a run. */
class Bounds {
  /** Per point: the upper bound less the distance its centre has travelled. */
  readonly upper: Float64Array
  /** Per point: the lower bound plus the sum of the largest moves. */
  readonly lower: Float64Array
  readonly travelled: Float64Array
  travelledMax = 0

  constructor(rows: number, k: number) {
    this.upper = new Float64Array(rows)
    this.lower = new Float64Array(rows)
    this.travelled = new Float64Array(k)
  }

  move(shifts: Float64Array): void {
    let max = 0
    for (let j = 0; j < shifts.length; j++) {
      this.travelled[j]! += shifts[j]!
      if (shifts[j]! > max) max = shifts[j]!
    }
    this.travelledMax += max
  }
}

export class LloydShard extends LloydState<Shard> {
  private readonly bounds: Bounds | null
  private readonly errorScale: number
  /** Twice the largest ||c||^2 among this step's centres (for the error bound). */
  private twiceMaxNorm = 0
  /** The best score of each point of the block being measured. */
  private tops = new Float64Array(BLOCK_ROWS)

  /** A run's state; `bounds` false measures every point every step (plain Lloyd). */
  constructor(shard: Shard, k: number, bounds: boolean) {
    super(shard, k)
    this.errorScale = scoreError(shard.d)
    this.bounds = bounds ? new Bounds(shard.rows, k) : null
  }

  /**
   * Labels against `centres`, which moved by `shifts` (Euclidean, per centre) since the last step
   * (null on the first step of the run); with `update`, the sums follow.
   */
  step(centres: Float32Array, shifts: Float64Array | null, update: boolean): StepReply {
    this.setCentres(centres)
    const previous = this.labels.slice()
    let measured: number
    if (shifts && this.bounds) {
      this.bounds.move(shifts)
      measured = this.measureOpen(this.bounds)
    } else {
      measured = this.measure(null, this.shard.rows)
    }
    return this.settle(previous, update, measured)
  }

  private setCentres(centres: Float32Array): void {
    const { k } = this
    const d = this.shard.d
    this.centres = centres
    let max = 0
    for (let c = 0; c < k; c++) {
      let s = 0
      for (let t = c * d; t < (c + 1) * d; t++) s += centres[t]! * centres[t]!
      if (s > max) max = s
    }
    this.twiceMaxNorm = 2 * max
  }

  /** The points whose bounds leave them open, measured against every centre. */
  private measureOpen(b: Bounds): number {
    const rows = this.shard.rows
    const open = new Int32Array(rows)
    const count = this.collectOpen(b, open)
    return count > GATHER_BELOW * rows ? this.measure(null, rows) : this.measure(open, count)
  }

  /**
   * Hamerly's test, alone in its function: V8 optimizes a long loop on the fly (on-stack
   * replacement) and that code bailed out on each call at the first untried operation after the
   * loop, leaving the rest of it to the interpreter (measured 2-3x slower).
   */
  private collectOpen(b: Bounds, open: Int32Array): number {
    const { labels } = this
    const { upper, lower, travelled } = b
    const far = b.travelledMax
    let count = 0
    for (let p = 0; p < labels.length; p++) {
      const u = upper[p]! + travelled[labels[p]!]!
      const l = lower[p]! - far
      if (!(l > u && (l - u) * (l + u) > 2 * this.error(p))) open[count++] = p
    }
    return count
  }

  /** Measures the points `indices` (all when null) against every centre and settles each. */
  private measure(indices: Int32Array | null, count: number): number {
    const { shard, k, bounds } = this
    if (indices) {
      // Gathered blocks are in the 'rows' layout, where XNNPACK's max pool runs one value at a
      // time: a JS pass along each point's row measured faster than two of them.
      shard.scores(this.centres, k, (block, scores) => this.scan(block, scores, indices), { indices, count })
    } else {
      const label = (block: Block, scores: Scores): void => this.label(block, scores)
      const bound = (block: Block, second: Float32Array): void => this.bound(block, second)
      shard.scores(this.centres, k, label, bounds ? { then: bound } : { max: true })
    }
    return count * k
  }

  /**
   * Labels gathered points from their scores (point i's centre j at g[i * k + j]) and sets their
   * bounds: one pass for the best of the centres other than the point's own, which stays its
   * centre unless that best is higher (a tie keeps it); a second pass only then.
   */
  private scan(block: Block, { g }: Scores, indices: Int32Array): void {
    const { k, labels } = this
    for (let i = 0; i < block.rows; i++) {
      const p = indices[block.start + i]!
      const at = i * k
      const old = labels[p]!
      // Two loops around the own centre rather than a test for it on each.
      let second = -Infinity
      for (let q = at; q < at + old; q++) if (g[q]! > second) second = g[q]!
      for (let q = at + old + 1; q < at + k; q++) if (g[q]! > second) second = g[q]!
      let top = g[at + old]!
      let label = old
      if (second > top) {
        // A new centre: the first at the new top, and the best of the others.
        top = second
        label = 0
        while (g[at + label] !== top) label++
        second = -Infinity
        for (let j = 0; j < k; j++) if (j !== label && g[at + j]! > second) second = g[at + j]!
      }
      labels[p] = label
      this.setBounds(p, label, top, second)
    }
  }

  /**
   * Labels the points of a block from their scores; with bounds, keeps each one's best score and
   * overwrites it with -Infinity, so that the next max over the scores is the best of the others.
   */
  private label(block: Block, scores: Scores): void {
    if (this.tops.length < block.rows) this.tops = new Float64Array(block.rows)
    const { k, labels, tops } = this
    const { g, centreStride: cs, pointStride: ps, best } = scores
    const mark = this.bounds !== null
    for (let i = 0; i < block.rows; i++) {
      const p = block.start + i
      const at = i * ps
      const top = best[i]!
      const old = labels[p]!
      let label = old
      if (old < 0 || g[at + old * cs] !== top) {
        // The first centre at the top, as sklearn's argmin keeps the first of equals. A search per
        // point measured faster than one pass over all the scores in memory order.
        label = 0
        while (label < k - 1 && g[at + label * cs] !== top) label++
      }
      labels[p] = label
      if (!mark) continue
      tops[i] = top
      g[at + label * cs] = -Infinity
    }
  }

  /** Sets the bounds of a block's points from their best score and the best of the others. */
  private bound(block: Block, second: Float32Array): void {
    for (let i = 0; i < block.rows; i++) {
      const p = block.start + i
      this.setBounds(p, this.labels[p]!, this.tops[i]!, second[i]!)
    }
  }

  /** Point p's bounds from its centre's score and the best of the others' (loosened by e). */
  private setBounds(p: number, label: number, top: number, second: number): void {
    const b = this.bounds!
    const norm = this.shard.norms[p]!
    const e = this.errorScale * (norm + this.twiceMaxNorm)
    b.upper[p] = Math.sqrt(Math.max(norm - top + e, 0)) - b.travelled[label]!
    b.lower[p] = Math.sqrt(Math.max(norm - second - e, 0)) + b.travelledMax
  }

  /** The bound on the error of point p's scores this step. */
  private error(p: number): number {
    return this.errorScale * (this.shard.norms[p]! + this.twiceMaxNorm)
  }
}
