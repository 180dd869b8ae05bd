import { parentPort } from 'node:worker_threads'
import { messageOf } from '../errors.ts'
import { decodeBytes, type ByteCodec } from './decode.ts'
import { reduceChunk, type ReduceRequest } from './reduce-chunk.ts'
import type { PartStats } from './reduce.ts'

export interface DecodeRequest {
  id: number
  codec: ByteCodec
  config: Record<string, unknown>
  bytes: Uint8Array
}
export interface ReduceMessage extends ReduceRequest {
  id: number
}
export type DecodeReply =
  { id: number; bytes: Uint8Array } | { id: number; stats: PartStats } | { id: number; error: string }

/**
 * A decode worker: chunk bytes in, decoded bytes out, or (a reduce request) a chunk's statistics
 * out, so its values never travel back; each request answered on its own.
 */
const port = parentPort!
port.on('message', (request: DecodeRequest | ReduceMessage) => {
  const fail = (e: unknown): void =>
    port.postMessage({ id: request.id, error: messageOf(e) } satisfies DecodeReply)
  if ('reduce' in request) {
    reduceChunk(request).then(
      (stats) => port.postMessage({ id: request.id, stats } satisfies DecodeReply),
      fail,
    )
    return
  }
  decodeBytes(request.codec, request.config, request.bytes).then((bytes) => {
    // Hand the decoded memory over; a view into a larger buffer is copied out first.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
    port.postMessage({ id: request.id, bytes: own } satisfies DecodeReply, [own.buffer as ArrayBuffer])
  }, fail)
})
