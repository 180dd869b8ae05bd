import { parentPort } from 'node:worker_threads'
import { messageOf } from '../errors.ts'
import { initTensorEngine } from '../tensor/index.ts'
import { LloydShard } from './lloyd-shard.ts'
import { partialMoments } from './points.ts'
import { Shard } from './worker-shard.ts'
import type { ShardRequest } from './shards.ts'

/**
 * A clustering worker: its own single-threaded wasm engine and one shard of the points at a time,
 * answering the main thread's requests in order.
 */
const port = parentPort!
/** The shard's points as loaded, until the mean arrives to centre them. */
let raw: { points: Float32Array; rows: number; d: number } | null = null
let shard: Shard | null = null
/** The k-means run in progress. */
let lloyd: LloydShard | null = null

/** Typed arrays in a reply are fresh copies: hand their memory over rather than copy it again. */
function transferables(value: unknown): ArrayBuffer[] {
  const out: ArrayBuffer[] = []
  const visit = (v: unknown): void => {
    if (ArrayBuffer.isView(v)) out.push(v.buffer as ArrayBuffer)
    else if (v && typeof v === 'object') Object.values(v).forEach(visit)
  }
  visit(value)
  return [...new Set(out)]
}

function run(request: ShardRequest): unknown {
  if (request.op === 'load') {
    unload()
    raw = { points: request.points, rows: request.rows, d: request.d }
    return partialMoments(raw.points, raw.rows, raw.d)
  }
  if (request.op === 'unload') {
    unload()
    return null
  }
  if (request.op === 'centre') {
    if (!raw) throw new Error("cluster worker: 'centre' before any points were loaded")
    shard = new Shard(raw.points, raw.rows, raw.d, request.mean)
    raw = null
    return null
  }
  if (!shard) throw new Error(`cluster worker: '${request.op}' before any points were loaded`)
  // A run's first step (no shifts) starts it.
  if (request.op === 'step' && !request.shifts) lloyd = new LloydShard(shard, request.k, request.bounds)
  if ((request.op === 'step' || request.op === 'farthest' || request.op === 'exact') && !lloyd)
    throw new Error(`cluster worker: k-means '${request.op}' before the run's first step`)
  switch (request.op) {
    case 'step':
      return lloyd!.step(request.centres, request.shifts, request.update)
    case 'farthest':
      return lloyd!.farthest(request.count)
    case 'exact':
      return lloyd!.exact(request.centres)
    case 'nearReset':
      return shard.nearReset(request.points, request.m, request.exclude, request.withNear)
    case 'nearAdd':
      return shard.nearAdd(request.points, request.m, request.pick, request.withNear)
    case 'nearTry':
      return shard.nearTry(request.candidates, request.m)
    case 'nearPick':
      return shard.nearPick(request.c)
  }
}

function unload(): void {
  shard?.dispose()
  shard = null
  raw = null
  lloyd = null
}

try {
  await initTensorEngine({ backend: 'wasm', threads: 1 })
  port.on('message', (message: { id: number; request: ShardRequest }) => {
    try {
      const value = run(message.request)
      port.postMessage({ id: message.id, value }, transferables(value))
    } catch (e) {
      port.postMessage({ id: message.id, error: messageOf(e) })
    }
  })
  port.postMessage({ ready: true })
} catch (e) {
  port.postMessage({ failed: messageOf(e) })
}
