import * as zarr from 'zarrita'
import { CheckedCrc32cCodec } from './crc32c.ts'

interface BytesCodec {
  kind?: string
  encode(bytes: Uint8Array): Uint8Array | Promise<Uint8Array>
  decode(bytes: Uint8Array): Uint8Array | Promise<Uint8Array>
}

/**
 * Blosc's 16-byte header records the compressed size (bytes 12..15). A chunk cut short still
 * decompresses to the size the header promises, part of it whatever followed in memory: zarr-python
 * refuses such a chunk, so we check the size before decoding.
 */
export function checkBloscHeader(bytes: Uint8Array): void {
  if (bytes.length < 16) throw new Error(`blosc: ${bytes.length} bytes, shorter than blosc's 16-byte header`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16)
  const compressed = view.getUint32(12, true)
  if (compressed !== bytes.length)
    throw new Error(`blosc: the chunk holds ${bytes.length} bytes, its header says ${compressed}`)
}

async function checkedBlosc(): Promise<unknown> {
  const Blosc = (await import('numcodecs/blosc')).default as unknown as {
    fromConfig(config: unknown, meta: unknown): BytesCodec
  }
  return {
    fromConfig(config: unknown, meta: unknown): BytesCodec {
      const inner = Blosc.fromConfig(config, meta)
      return {
        kind: 'bytes_to_bytes',
        encode: (bytes) => inner.encode(bytes),
        decode: (bytes) => {
          checkBloscHeader(bytes)
          return inner.decode(bytes)
        },
      }
    },
  }
}

/** Codecs that check what zarrita's own take on trust; registered once, for every array we open. */
export function registerCheckedCodecs(): void {
  zarr.registry.set('crc32c', async () => CheckedCrc32cCodec as never)
  zarr.registry.set('blosc', checkedBlosc as never)
  zarr.registry.set('numcodecs.blosc', checkedBlosc as never)
}
