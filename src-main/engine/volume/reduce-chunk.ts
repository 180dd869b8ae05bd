import { bloscStored, checkBloscHeader } from './blosc-header.ts'
import { decodeBytes, type ByteCodec } from './decode.ts'
import { bytesPerElement, viewOf, type DType } from './dtype.ts'
import { chunkStats, type PartStats } from './reduce.ts'
import type { Shape3 } from './types.ts'

/** One chunk file's bytes to summarise: how to decode them, and which part of the chunk is data. */
export interface ReduceRequest {
  reduce: true
  codec: ByteCodec | null
  config: Record<string, unknown>
  bytes: Uint8Array
  dtype: DType
  chunk: Shape3
  valid: Shape3
}

/** How a wrong decoded size is told from a decoding failure, across the worker's message. */
export const WRONG_SIZE = 'decodes to '

/**
 * Decodes one chunk and returns its statistics; the same code runs on the decode workers and, for
 * small chunks, on the calling thread. A decoded size other than the chunk's is refused, as the
 * region path refuses it, never summed as if it were the chunk.
 */
export async function reduceChunk(r: ReduceRequest): Promise<PartStats> {
  let values: Uint8Array
  if (r.codec === null) values = r.bytes
  else if (r.codec === 'blosc') {
    checkBloscHeader(r.bytes)
    values = bloscStored(r.bytes) ?? (await decodeBytes('blosc', r.config, r.bytes))
  } else values = await decodeBytes(r.codec, r.config, r.bytes)
  const item = bytesPerElement(r.dtype)
  const expected = r.chunk[0] * r.chunk[1] * r.chunk[2]
  if (values.byteLength !== expected * item)
    throw new Error(
      `${WRONG_SIZE}${Math.floor(values.byteLength / item)} values, expected ${expected} ` +
        `(${r.chunk.join(' x ')}): its bytes do not match the array's dtype, chunk shape or codecs`,
    )
  // A view needs aligned memory: values stored after blosc's 16-byte header are; others are copied.
  const aligned = values.byteOffset % item === 0 ? values : values.slice()
  return chunkStats(viewOf(r.dtype, aligned.buffer, aligned.byteOffset, expected), r.chunk, r.valid)
}
