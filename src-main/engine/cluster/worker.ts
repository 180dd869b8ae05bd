import { parentPort } from 'node:worker_threads'
import { messageOf } from '../errors.ts'
import { initTensorEngine } from '../tensor/index.ts'
import { Shard } from './shard.ts'
import type { ShardRequest } from './shards.ts'

/**
 * A clustering worker: its own single-threaded wasm engine and one shard of the points at a time,
 * answering the main thread's requests in order.
 */
const port = parentPort!
let shard: Shard | null = null

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
    shard?.dispose()
    shard = new Shard(request.points, request.rows, request.d, request.mean)
    return null
  }
  if (request.op === 'unload') {
    shard?.dispose()
    shard = null
    return null
  }
  if (!shard) throw new Error(`cluster worker: '${request.op}' before any points were loaded`)
  switch (request.op) {
    case 'assign':
      return shard.assign(request.centres, request.k, request.update, request.fresh)
    case 'exact':
      return shard.exact(request.centres)
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
