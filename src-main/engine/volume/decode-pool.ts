import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { decodeBytes, type ByteCodec } from './decode.ts'
import type { PartStats } from './reduce.ts'
import { reduceChunk, type ReduceRequest } from './reduce-chunk.ts'
import type { DecodeReply, DecodeRequest, ReduceMessage } from './worker.ts'

/**
 * Below this many bytes a chunk decodes on the calling thread: the message round trip and the copy
 * cost more than the decoding saves, and a one-chunk read need not start a worker.
 */
export const OFF_THREAD_BYTES = 32 << 10

/** One worker per core, at most 4: the main thread's copy and statistics overlap with them. */
export function decodeWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism()))
}

class DecodeWorker {
  private readonly worker = new Worker(new URL('./worker-entry.mjs', import.meta.url))
  private readonly pending = new Map<
    number,
    { resolve: (reply: DecodeReply) => void; reject: (e: Error) => void }
  >()
  private next = 0
  dead: Error | null = null

  constructor() {
    this.worker.on('message', (reply: DecodeReply) => {
      const waiting = this.pending.get(reply.id)
      if (!waiting) return
      this.pending.delete(reply.id)
      if (this.pending.size === 0) this.worker.unref()
      if ('error' in reply) waiting.reject(new Error(reply.error))
      else waiting.resolve(reply)
    })
    const fail = (e: Error): void => {
      this.dead ??= e
      for (const w of this.pending.values()) w.reject(e)
      this.pending.clear()
    }
    this.worker.on('error', fail)
    this.worker.on('exit', (code) => fail(new Error(`decode worker exited (code ${code})`)))
    // An idle worker must not keep a finished command alive; a request in flight does.
    this.worker.unref()
  }

  get load(): number {
    return this.pending.size
  }

  /** Sends the request, its `bytes` moved to the worker; a view into a larger buffer is copied out. */
  send(request: DecodeRequest | ReduceMessage): Promise<DecodeReply> {
    if (this.dead) return Promise.reject(this.dead)
    const bytes = request.bytes
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject })
      this.worker.ref()
      this.worker.postMessage({ ...request, bytes: own }, [own.buffer as ArrayBuffer])
    })
  }

  nextId(): number {
    return this.next++
  }
}

const pool: DecodeWorker[] = []

/** The least busy worker, starting another while every live one is busy and the pool has room. */
function pick(): DecodeWorker {
  for (let i = pool.length - 1; i >= 0; i--) if (pool[i]!.dead) pool.splice(i, 1)
  const idle = pool.find((w) => w.load === 0)
  if (idle) return idle
  if (pool.length < decodeWorkers()) {
    const started = new DecodeWorker()
    pool.push(started)
    return started
  }
  return pool.reduce((a, b) => (b.load < a.load ? b : a))
}

/** How many decode workers are running: the worker path's tests check it was taken. */
export function liveDecodeWorkers(): number {
  return pool.filter((w) => !w.dead).length
}

/** Decodes on a worker thread, or here when the chunk is small; the bytes must not be used after. */
export async function decodeOffThread(
  codec: ByteCodec,
  config: Record<string, unknown>,
  bytes: Uint8Array,
): Promise<Uint8Array> {
  if (bytes.length < OFF_THREAD_BYTES) return decodeBytes(codec, config, bytes)
  const worker = pick()
  const reply = await worker.send({ id: worker.nextId(), codec, config, bytes })
  return (reply as { bytes: Uint8Array }).bytes
}

/**
 * A chunk's statistics, decoded and summed on a worker so its values never come back; a small
 * chunk here. The bytes must not be used after.
 */
export async function reduceOffThread(request: Omit<ReduceRequest, 'reduce'>): Promise<PartStats> {
  if (request.bytes.length < OFF_THREAD_BYTES) return reduceChunk({ ...request, reduce: true })
  const worker = pick()
  const reply = await worker.send({ ...request, reduce: true, id: worker.nextId() })
  return (reply as { stats: PartStats }).stats
}
