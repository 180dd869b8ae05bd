/**
 * The shard requests (shards.ts) answered in this thread on a GPU backend ('webgpu', 'tensorflow'):
 * the centred points stay on the device, each request is a product with them and a reduction
 * there, and only what the host needs comes back (labels, each point's best score), read with
 * `await data()` (WebGPU in Node has no synchronous read). What the wasm shards keep on the host
 * stays on the host, in float64 as there (the per-centre sums that follow the labels, lloyd-state.ts;
 * the distances to the nearest of a set, worker-shard.ts), so that every reply means what theirs
 * does.
 *
 * Scores are float32, 2 x.c - ||c||^2 as on wasm, but summed in the device's order: a point within
 * rounding of two centres may take the other one. No Hamerly bounds (lloyd-shard.ts): every point
 * is measured every step, as gathering the points they leave open would cost a round trip to the
 * host and a scattered copy on the device, for products that are the device's fastest work.
 */
import { checkDevice, tf } from '../tensor/index.ts'
import { LloydState, type StepReply } from './lloyd-state.ts'
import { centreRows, partialMoments } from './points.ts'
import type { NearestReply } from './worker-shard.ts'
import type { ShardReplies, ShardRequest, ShardServer } from './shards.ts'

/**
 * Values per tensor, for the points' row blocks and each product's scores: 64 MiB of float32, half
 * the largest storage binding a WebGPU device must allow.
 */
const TENSOR_ELEMENTS = 2 ** 24

/** Points of a set per product when it is larger (a labelled set for the core-set). */
const CENTRE_CHUNK = 4096

let answered = 0

/** Requests answered in this thread so far (tests check that the GPU path ran). */
export function gpuRequestsAnswered(): number {
  return answered
}

/** What a reduction of one range of rows' scores gave, read back. */
interface Reduced {
  start: number
  rows: number
  values: Float32Array | Int32Array
}

/** Reduces the scores of `rows` points from `start` on (rows x m) on the device. */
type Reduce = (scores: tf.Tensor2D, start: number, rows: number) => tf.Tensor

/**
 * Each row's largest value (rows x 1): the value at tf.argMax's index, which is exact whichever of
 * equal values it points at. tf.max's reduction runs a workgroup per row, ~100x slower for short rows
 * on a software driver, where argMax scans short rows (under 32) one thread each.
 */
function maxAlongRows(g: tf.Tensor2D, rows: number): tf.Tensor2D {
  return tf.gather(g, tf.reshape(tf.argMax(g, 1), [rows, 1]), 1, 1) as tf.Tensor2D
}

/** The centred points, on the host (rows x d, float32) and on the device in row blocks. */
class DevicePoints {
  readonly norms: Float64Array
  readonly normsTotal: number
  private readonly blocks: { start: number; rows: number; x: tf.Tensor2D }[] = []

  /** `x` (taken over) less `mean`, as the wasm shard centres it (points.ts). */
  constructor(
    readonly x: Float32Array,
    readonly rows: number,
    readonly d: number,
    mean: Float32Array,
  ) {
    const { norms, total } = centreRows(x, rows, d, mean)
    this.norms = norms
    this.normsTotal = total
    const per = Math.max(1, Math.floor(TENSOR_ELEMENTS / d))
    for (let start = 0; start < rows; start += per) {
      const count = Math.min(per, rows - start)
      const t = tf.tensor2d(x.subarray(start * d, (start + count) * d), [count, d])
      this.blocks.push({ start, rows: count, x: t })
    }
  }

  dispose(): void {
    for (const b of this.blocks.splice(0)) b.x.dispose()
  }

  /**
   * The scores (2 x.c - ||c||^2) of every point against `m` centres (m x d), range by range, each
   * reduced by `reduce` on the device; every range is queued before the first is read back.
   */
  async scores(centres: Float32Array, m: number, reduce: Reduce): Promise<Reduced[]> {
    const { d } = this
    // The operands as the wasm shard forms them: 2c exact, ||c||^2 summed in float64, then rounded.
    const twice = new Float32Array(m * d)
    const minusNorms = new Float32Array(m)
    for (let c = 0; c < m; c++) {
      let norm = 0
      for (let t = c * d; t < (c + 1) * d; t++) {
        const v = centres[t]!
        twice[t] = 2 * v
        norm += v * v
      }
      minusNorms[c] = -norm
    }
    const b = tf.tensor2d(twice, [m, d])
    const bias = tf.tensor1d(minusNorms)
    const ranges: { start: number; rows: number }[] = []
    const reduced: tf.Tensor[] = []
    try {
      const per = Math.max(1, Math.floor(TENSOR_ELEMENTS / m))
      for (const block of this.blocks) {
        for (let s = 0; s < block.rows; s += per) {
          const rows = Math.min(per, block.rows - s)
          const start = block.start + s
          const r = tf.tidy(() => {
            const a = rows === block.rows ? block.x : tf.slice(block.x, [s, 0], [rows, d])
            return reduce(tf.fused.matMul({ a, b, transposeB: true, bias }) as tf.Tensor2D, start, rows)
          })
          reduced.push(r)
          ranges.push({ start, rows })
        }
      }
      const values = await Promise.all(reduced.map((t) => t.data()))
      // A lost device or a refused program drops the work silently: its zeros must not become labels.
      checkDevice()
      return ranges.map((r, i) => ({ ...r, values: values[i] as Float32Array | Int32Array }))
    } finally {
      b.dispose()
      bias.dispose()
      for (const t of reduced) t.dispose()
    }
  }
}

/** A Lloyd run on the device: the labels come from there, the rest is the host's (lloyd-state.ts). */
class GpuLloyd extends LloydState<DevicePoints> {
  async step(centres: Float32Array, update: boolean): Promise<StepReply> {
    this.centres = centres
    const { k, labels } = this
    const parts = await this.shard.scores(centres, k, (g, start, rows) => this.label(g, start, rows))
    const previous = labels.slice()
    for (const p of parts) labels.set(p.values, p.start)
    return this.settle(previous, update, this.shard.rows * k)
  }

  /**
   * Each point's label by lloyd-shard.ts's rule: the highest score, on a tie the previous centre if
   * it is one of them, else the lowest index. Each centre at the top gets a distinct priority (the
   * previous centre k + 1, centre j k - j) and tf.argMax picks the highest: argMax alone will not do,
   * as on WebGPU its threads scan strided columns and the first thread's best wins a tie.
   */
  private label(g: tf.Tensor2D, start: number, rows: number): tf.Tensor {
    const { k } = this
    const previous = tf.tensor2d(Float32Array.from(this.labels.subarray(start, start + rows)), [rows, 1])
    const index = tf.range(0, k, 1, 'float32')
    const priority = tf.where<tf.Tensor>(
      tf.equal(index, previous),
      tf.scalar(k + 1),
      tf.sub(tf.scalar(k), index),
    )
    return tf.argMax(tf.where(tf.equal(g, maxAlongRows(g, rows)), priority, tf.scalar(0)), 1)
  }
}

export class GpuShard implements ShardServer {
  /** The points as loaded, until the mean arrives to centre them. */
  private raw: { points: Float32Array; rows: number; d: number } | null = null
  private points: DevicePoints | null = null
  private lloyd: GpuLloyd | null = null
  /** Squared distance to the nearest point of a growing set (k-means++ seeding, the core-set). */
  private near = new Float64Array(0)
  /** Squared distances to the last candidates tried (candidates x rows). */
  private tried = new Float64Array(0)
  private queue: Promise<unknown> = Promise.resolve()

  /** Answers in order, as a worker does: a request's device work never interleaves with another's. */
  request<K extends ShardRequest['op']>(request: Extract<ShardRequest, { op: K }>): Promise<ShardReplies[K]> {
    const reply = this.queue.then(() => this.run(request))
    this.queue = reply.catch(() => undefined)
    return reply as Promise<ShardReplies[K]>
  }

  private async run(request: ShardRequest): Promise<ShardReplies[ShardRequest['op']]> {
    answered++
    if (request.op === 'load') {
      this.unload()
      this.raw = { points: request.points, rows: request.rows, d: request.d }
      return partialMoments(request.points, request.rows, request.d)
    }
    if (request.op === 'unload') {
      this.unload()
      return null
    }
    if (request.op === 'centre') {
      if (!this.raw) throw new Error("cluster shard: 'centre' before any points were loaded")
      const { points, rows, d } = this.raw
      this.points = new DevicePoints(points, rows, d, request.mean)
      this.near = new Float64Array(rows).fill(Infinity)
      this.raw = null
      return null
    }
    const points = this.points
    if (!points) throw new Error(`cluster shard: '${request.op}' before any points were loaded`)
    // A run's first step (no shifts) starts it.
    if (request.op === 'step' && !request.shifts) this.lloyd = new GpuLloyd(points, request.k)
    const lloyd = this.lloyd
    if ((request.op === 'step' || request.op === 'farthest' || request.op === 'exact') && !lloyd)
      throw new Error(`cluster shard: k-means '${request.op}' before the run's first step`)
    switch (request.op) {
      case 'step':
        return lloyd!.step(request.centres, request.update)
      case 'farthest':
        return lloyd!.farthest(request.count)
      case 'exact':
        return lloyd!.exact(request.centres)
      case 'nearReset':
        return this.nearReset(points, request.points, request.m, request.exclude, request.withNear)
      case 'nearAdd':
        return this.nearAdd(points, request.points, request.m, request.pick, request.withNear)
      case 'nearTry':
        return this.nearTry(points, request.candidates, request.m)
      case 'nearPick':
        return this.nearPick(request.c)
    }
  }

  private unload(): void {
    this.points?.dispose()
    this.points = null
    this.raw = null
    this.lloyd = null
    this.near = new Float64Array(0)
    this.tried = new Float64Array(0)
  }

  private async nearReset(
    on: DevicePoints,
    points: Float32Array,
    m: number,
    exclude: Int32Array,
    withNear: boolean,
  ): Promise<NearestReply> {
    this.near.fill(Infinity)
    for (let s = 0; s < m; s += CENTRE_CHUNK) {
      const count = Math.min(CENTRE_CHUNK, m - s)
      await this.lowerNear(on, points.subarray(s * on.d, (s + count) * on.d), count)
    }
    for (const i of exclude) this.near[i] = -Infinity
    return this.farthest(withNear)
  }

  private async nearAdd(
    on: DevicePoints,
    points: Float32Array,
    m: number,
    pick: number,
    withNear: boolean,
  ): Promise<NearestReply> {
    await this.lowerNear(on, points, m)
    if (pick >= 0) this.near[pick] = -Infinity
    return this.farthest(withNear)
  }

  /** k-means++ trials: for each candidate, the sum over the points of min(near, distance to it). */
  private async nearTry(on: DevicePoints, candidates: Float32Array, m: number): Promise<Float64Array> {
    const { rows, norms } = on
    const near = this.near
    const tried = (this.tried = new Float64Array(m * rows))
    const pots = new Float64Array(m)
    for (const { start, rows: count, values: g } of await on.scores(candidates, m, (g) => g)) {
      for (let i = 0; i < count; i++) {
        const p = start + i
        for (let c = 0; c < m; c++) {
          const dist = Math.max(norms[p]! - g[i * m + c]!, 0)
          tried[c * rows + p] = dist
          pots[c]! += Math.min(near[p]!, dist)
        }
      }
    }
    return pots
  }

  /** Keeps candidate `c` of the last trial: the set's distances become the min with it. */
  private nearPick(c: number): Float64Array {
    const { near, tried } = this
    const rows = near.length
    for (let i = 0; i < rows; i++) near[i] = Math.min(near[i]!, tried[c * rows + i]!)
    return near.slice()
  }

  private async lowerNear(on: DevicePoints, points: Float32Array, m: number): Promise<void> {
    if (m === 0) return
    const { norms } = on
    const near = this.near
    const best = (g: tf.Tensor2D, _start: number, rows: number): tf.Tensor =>
      tf.reshape(m > 1 ? maxAlongRows(g, rows) : g, [rows])
    for (const { start, rows, values } of await on.scores(points, m, best)) {
      for (let i = 0; i < rows; i++) {
        const p = start + i
        const dist = Math.max(norms[p]! - values[i]!, 0)
        if (dist < near[p]!) near[p] = dist
      }
    }
  }

  private farthest(withNear: boolean): NearestReply {
    const near = this.near
    let max = -Infinity
    let argmax = -1
    for (let i = 0; i < near.length; i++) {
      if (near[i]! > max) {
        max = near[i]!
        argmax = i
      }
    }
    return withNear ? { max, argmax, near: near.slice() } : { max, argmax }
  }
}
