import { parentPort } from 'node:worker_threads'
import { messageOf } from '../errors.ts'
import { decodeBytes, type ByteCodec } from './decode.ts'

export interface DecodeRequest {
  id: number
  codec: ByteCodec
  config: Record<string, unknown>
  bytes: Uint8Array
}
export type DecodeReply = { id: number; bytes: Uint8Array } | { id: number; error: string }

/** A decode worker: chunk bytes in, decoded bytes out, each request answered on its own. */
const port = parentPort!
port.on('message', (request: DecodeRequest) => {
  decodeBytes(request.codec, request.config, request.bytes).then(
    (bytes) => {
      // Hand the decoded memory over; a view into a larger buffer is copied out first.
      const own =
        bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
      port.postMessage({ id: request.id, bytes: own } satisfies DecodeReply, [own.buffer as ArrayBuffer])
    },
    (e: unknown) => port.postMessage({ id: request.id, error: messageOf(e) } satisfies DecodeReply),
  )
})
