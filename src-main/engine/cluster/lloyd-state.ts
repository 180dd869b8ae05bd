/**
 * The host side of one shard's Lloyd run, whatever measures the distances (wasm in a worker,
 * lloyd-shard.ts; the GPU, gpu-shard.ts): the labels, the per-centre sums that follow them in float64,
 * and exact distances. Both paths keep it here so that the same labels give the same centres, inertia
 * and farthest points, bit for bit.
 */

export interface StepReply {
  /** Points whose centre changed (all of them on a run's first step). */
  changed: number
  /** (point, centre) pairs measured by the product. */
  measured: number
  /** With `update`: per-centre sums (k x d) and counts, and the inertia against the step's centres. */
  sums?: Float64Array
  counts?: Float64Array
  inertia?: number
}

export interface Farthest {
  /** Local index. */
  index: number
  label: number
  /** Exact squared distance to its centre. */
  distance: number
}

/** A shard's centred points on the host (rows x d) and the sum of their ||x||^2. */
export interface HostPoints {
  readonly x: Float32Array
  readonly rows: number
  readonly d: number
  readonly normsTotal: number
}

export class LloydState<P extends HostPoints = HostPoints> {
  readonly labels: Int32Array
  protected readonly sums: Float64Array
  protected readonly counts: Float64Array
  /** This step's centres. */
  protected centres: Float32Array = new Float32Array(0)

  constructor(
    protected readonly shard: P,
    protected readonly k: number,
  ) {
    this.labels = new Int32Array(shard.rows).fill(-1)
    this.sums = new Float64Array(k * shard.d)
    this.counts = new Float64Array(k)
  }

  /** A step's reply once `labels` hold its assignment (`previous`: the last step's). */
  protected settle(previous: Int32Array, update: boolean, measured: number): StepReply {
    const changed = this.follow(previous, update)
    if (!update) return { changed, measured }
    return {
      changed,
      measured,
      sums: this.sums.slice(),
      counts: this.counts.slice(),
      inertia: this.inertia(),
    }
  }

  /**
   * The sums follow the points that moved (with `update`), in point order however they were
   * measured, so that every path adds the same numbers in the same order (bit for bit the same
   * centres). Returns how many moved. (Its own function for the reason given at
   * LloydShard.collectOpen.)
   */
  private follow(previous: Int32Array, update: boolean): number {
    const { labels, sums, counts } = this
    const { d, x } = this.shard
    let changed = 0
    for (let p = 0; p < labels.length; p++) {
      const old = previous[p]!
      const j = labels[p]!
      if (old === j) continue
      changed++
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
    return changed
  }

  /** The `count` points farthest from their centres (exactly), farthest first (ties: the lower index). */
  farthest(count: number): Farthest[] {
    const top: Farthest[] = []
    for (let p = 0; p < this.shard.rows; p++) {
      const distance = this.exactSquared(p, this.labels[p]!)
      if (top.length === count && distance <= top[count - 1]!.distance) continue
      let at = top.length
      while (at > 0 && top[at - 1]!.distance < distance) at--
      top.splice(at, 0, { index: p, label: this.labels[p]!, distance })
      if (top.length > count) top.pop()
    }
    return top
  }

  /** Exact squared distances (float64 sums of squared differences) to `centres` of the labels. */
  exact(centres: Float32Array): { labels: Int32Array; distances: Float32Array; total: number } {
    this.centres = centres
    const distances = new Float32Array(this.shard.rows)
    let total = 0
    for (let p = 0; p < distances.length; p++) {
      const s = this.exactSquared(p, this.labels[p]!)
      distances[p] = s
      total += s
    }
    return { labels: this.labels.slice(), distances, total }
  }

  private exactSquared(p: number, c: number): number {
    const { x, d } = this.shard
    const centres = this.centres
    let s = 0
    for (let t = 0, i = p * d, j = c * d; t < d; t++, i++, j++) {
      const v = x[i]! - centres[j]!
      s += v * v
    }
    return s
  }

  /** sum ||x - c||^2 = sum ||x||^2 - 2 sum_c c.S_c + sum_c n_c ||c||^2, from the sums. */
  private inertia(): number {
    const { k, sums, counts, centres } = this
    const d = this.shard.d
    let cross = 0
    let own = 0
    for (let c = 0; c < k; c++) {
      let dot = 0
      let norm = 0
      for (let t = c * d; t < (c + 1) * d; t++) {
        dot += centres[t]! * sums[t]!
        norm += centres[t]! * centres[t]!
      }
      cross += dot
      own += counts[c]! * norm
    }
    return Math.max(this.shard.normsTotal - 2 * cross + own, 0)
  }
}
