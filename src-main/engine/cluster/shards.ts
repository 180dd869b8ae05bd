/**
 * The points spread over shards for the clustering kernels, each answering the same requests.
 *
 * On wasm (and cpu), one contiguous shard per worker thread: wasm runs single-threaded in Node, so
 * cores are used by running one engine per worker; each worker keeps its shard (and the packed
 * product operand, worker-shard.ts) and its k-means state (lloyd-shard.ts) for the whole call, and a
 * request moves only centres in and per-centre sums out. On a GPU backend ('webgpu', 'tensorflow'), one
 * shard in this thread that keeps the points on the device (gpu-shard.ts): the device does the products,
 * and workers would each need a device of their own.
 */
import { Worker } from 'node:worker_threads'
import { resolveThreads } from '../tensor/index.ts'
import { tf } from '../tensor/index.ts'
import { GpuShard } from './gpu-shard.ts'
import type { Farthest, StepReply } from './lloyd-state.ts'
import { combineMoments, type Moments, type PartialMoments } from './points.ts'
import type { NearestReply } from './worker-shard.ts'

export type ShardRequest =
  | { op: 'load'; points: Float32Array; rows: number; d: number }
  | { op: 'centre'; mean: Float32Array }
  | { op: 'unload' }
  | {
      op: 'step'
      centres: Float32Array
      k: number
      shifts: Float64Array | null
      update: boolean
      bounds: boolean
    }
  | { op: 'farthest'; count: number }
  | { op: 'exact'; centres: Float32Array }
  | { op: 'nearReset'; points: Float32Array; m: number; exclude: Int32Array; withNear: boolean }
  | { op: 'nearAdd'; points: Float32Array; m: number; pick: number; withNear: boolean }
  | { op: 'nearTry'; candidates: Float32Array; m: number }
  | { op: 'nearPick'; c: number }

export interface ShardReplies {
  load: PartialMoments
  centre: null
  unload: null
  step: StepReply
  farthest: Farthest[]
  exact: { labels: Int32Array; distances: Float32Array; total: number }
  nearReset: NearestReply
  nearAdd: NearestReply
  nearTry: Float64Array
  nearPick: Float64Array
}

/** Answers a shard's requests, in order: a worker thread, or this thread on a GPU backend. */
export interface ShardServer {
  request<K extends ShardRequest['op']>(
    request: Extract<ShardRequest, { op: K }>,
    transfer?: ArrayBuffer[],
  ): Promise<ShardReplies[K]>
}

type Reply =
  { ready: true } | { failed: string } | { id: number; value: unknown } | { id: number; error: string }

class ClusterWorker implements ShardServer {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private next = 0
  dead: Error | null = null

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => {
      if (!('id' in reply)) return
      const waiting = this.pending.get(reply.id)
      if (!waiting) return
      this.pending.delete(reply.id)
      this.idle()
      if ('error' in reply) waiting.reject(new Error(`cluster worker: ${reply.error}`))
      else waiting.resolve(reply.value)
    })
    const fail = (e: Error): void => {
      this.dead ??= e
      for (const w of this.pending.values()) w.reject(e)
      this.pending.clear()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`cluster worker exited (code ${code})`)))
    // Idle workers must not keep a finished command alive; a request in flight does (see request).
    worker.unref()
  }

  static start(): Promise<ClusterWorker> {
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url))
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Reply): void => {
        if ('ready' in reply) resolve(new ClusterWorker(worker))
        else if ('failed' in reply) reject(new Error(`cluster worker failed to start: ${reply.failed}`))
        else return
        worker.off('message', onMessage)
        worker.off('error', reject)
      }
      worker.on('message', onMessage)
      worker.once('error', reject)
    })
  }

  request<K extends ShardRequest['op']>(
    request: Extract<ShardRequest, { op: K }>,
    transfer: ArrayBuffer[] = [],
  ): Promise<ShardReplies[K]> {
    if (this.dead) return Promise.reject(this.dead)
    const id = this.next++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      // While a reply is awaited the worker must hold the process open, or Node would exit
      // (an unref'd worker is no reason to wait) with the caller's promise never settled.
      this.worker.ref()
      this.worker.postMessage({ id, request }, transfer)
    })
  }

  private idle(): void {
    if (this.pending.size === 0) this.worker.unref()
  }
}

const pool: ClusterWorker[] = []
let lock: Promise<unknown> = Promise.resolve()

async function workers(count: number): Promise<ClusterWorker[]> {
  for (let i = pool.length - 1; i >= 0; i--) if (pool[i]!.dead) pool.splice(i, 1)
  const started = await Promise.all(
    Array.from({ length: Math.max(0, count - pool.length) }, () => ClusterWorker.start()),
  )
  pool.push(...started)
  return pool.slice(0, count)
}

/** Below this many points per shard, another worker costs more in messages than it saves. */
const MIN_SHARD_ROWS = 4096

export interface Part {
  start: number
  rows: number
}

export class Shards {
  constructor(
    readonly parts: readonly Part[],
    private readonly servers: readonly ShardServer[],
  ) {}

  /** The same kind of request to every shard at once; replies in shard order. */
  all<K extends ShardRequest['op']>(
    make: (part: Part, index: number) => Extract<ShardRequest, { op: K }>,
  ): Promise<ShardReplies[K][]> {
    return Promise.all(this.parts.map((part, i) => this.servers[i]!.request<K>(make(part, i))))
  }

  /** The shard holding point `index`, and the index within it. */
  locate(index: number): { shard: number; local: number } {
    for (let s = 0; s < this.parts.length; s++) {
      const p = this.parts[s]!
      if (index < p.start + p.rows) return { shard: s, local: index - p.start }
    }
    throw new RangeError(`point ${index} is outside the shards`)
  }
}

/** Backends whose tensors live on a GPU: there the shard runs in this thread, on the device. */
const GPU_BACKENDS: ReadonlySet<string> = new Set(['webgpu', 'tensorflow'])

/**
 * 'auto': on the device with a GPU backend, else in wasm workers. 'in-process' runs the GPU path on
 * whatever backend is active, so that tests can hold it against the cpu backend.
 */
export type ShardPlacement = 'auto' | 'in-process'
let placement: ShardPlacement = 'auto'

/** Sets where the next calls' shards run; returns the previous setting. */
export function placeShards(where: ShardPlacement): ShardPlacement {
  const before = placement
  placement = where
  return before
}

/**
 * Runs `body` with the n x d `points`, less their mean, loaded into the shards (one call at a time:
 * the workers are shared). `points` is copied, never changed. The shards also find the mean (and
 * check the values: a non-finite one is an InputError naming `what`), each over its own part.
 */
export async function withShards<T>(
  what: string,
  points: Float32Array,
  n: number,
  d: number,
  body: (shards: Shards, moments: Moments) => Promise<T>,
): Promise<T> {
  const run = lock.then(async () => {
    const inProcess = placement === 'in-process' || GPU_BACKENDS.has(tf.getBackend())
    const count = inProcess
      ? 1
      : Math.max(1, Math.min(resolveThreads(undefined), Math.floor(n / MIN_SHARD_ROWS)))
    const servers: ShardServer[] = inProcess ? [new GpuShard()] : await workers(count)
    const parts: Part[] = []
    for (let s = 0, start = 0; s < count; s++) {
      const rows = Math.floor((n * (s + 1)) / count) - start
      parts.push({ start, rows })
      start += rows
    }
    const shards = new Shards(parts, servers)
    try {
      const partial = await Promise.all(
        parts.map((p, i) => {
          const slice = points.slice(p.start * d, (p.start + p.rows) * d)
          return servers[i]!.request({ op: 'load', points: slice, rows: p.rows, d }, [slice.buffer])
        }),
      )
      const moments = combineMoments(
        what,
        partial,
        parts.map((p) => p.start),
        n,
        d,
      )
      await shards.all<'centre'>(() => ({ op: 'centre', mean: moments.mean }))
      return await body(shards, moments)
    } finally {
      await Promise.all(servers.map((w) => w.request({ op: 'unload' }).catch(() => null)))
    }
  })
  lock = run.catch(() => undefined)
  return run
}
