import * as zarr from 'zarrita'
import { deflateSync, gzipSync } from 'node:zlib'
import { CheckedCrc32cCodec } from './crc32c.ts'
import type { ByteCodec } from './decode.ts'
import { decodeOffThread } from './decode-pool.ts'

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

/**
 * A chunk blosc stored uncompressed (its "memcpyed" flag: nothing was gained by compressing) is its
 * 16-byte header and then the values: c-blosc only copies them out, and so do we, without a trip
 * through wasm. True only when the header says so and its sizes match the file's `size` exactly;
 * anything else the library decodes (and the header check refuses).
 */
export function bloscStoredAsIs(head: Uint8Array, size: number): boolean {
  if (head.length < 16) return false
  const view = new DataView(head.buffer, head.byteOffset, 16)
  const [version, flags] = [head[0]!, head[2]!]
  if (version > 2 || (flags & 0x02) === 0) return false
  return view.getUint32(4, true) + 16 === size && view.getUint32(12, true) === size
}

export function bloscStored(bytes: Uint8Array): Uint8Array | null {
  return bloscStoredAsIs(bytes, bytes.length) ? bytes.subarray(16) : null
}

type Config = Record<string, unknown>

/** Decoding on the decode workers; encoding (writers) stays here, through `encode`. */
function offThread(
  codec: ByteCodec,
  encode: (config: Config) => (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>,
  check: (bytes: Uint8Array) => Uint8Array | null = () => null,
): () => Promise<unknown> {
  const constructor = {
    fromConfig(config: Config | undefined): BytesCodec {
      const plain = { ...(config ?? {}) }
      return {
        kind: 'bytes_to_bytes',
        encode: encode(plain),
        decode: (bytes) => check(bytes) ?? decodeOffThread(codec, plain, bytes),
      }
    },
  }
  return async () => constructor
}

type Library = { fromConfig(config: unknown): BytesCodec }
const library = (load: () => Promise<{ default: unknown }>) => (config: Config) => {
  const codec = load().then((m) => (m.default as Library).fromConfig(config))
  return async (bytes: Uint8Array) => (await codec).encode(bytes)
}

const blosc = offThread(
  'blosc',
  library(() => import('numcodecs/blosc')),
  (bytes) => {
    checkBloscHeader(bytes)
    return bloscStored(bytes)
  },
)
const zstd = offThread(
  'zstd',
  library(() => import('numcodecs/zstd')),
)
/** zarrita decodes gzip but cannot encode it; Node's zlib does both. */
const gzip = offThread(
  'gzip',
  (config) => (bytes) =>
    new Uint8Array(gzipSync(bytes, { level: typeof config.level === 'number' ? config.level : 5 })),
)
const zlib = offThread(
  'zlib',
  (config) => (bytes) =>
    new Uint8Array(deflateSync(bytes, { level: typeof config.level === 'number' ? config.level : 5 })),
)

/**
 * Codecs that check what zarrita's own take on trust, and decode blosc, zstd, gzip and zlib on the
 * decode workers; registered for every array we open or write.
 */
export function registerCheckedCodecs(): void {
  zarr.registry.set('crc32c', async () => CheckedCrc32cCodec as never)
  for (const [name, codec] of [
    ['blosc', blosc],
    ['zstd', zstd],
    ['gzip', gzip],
    ['zlib', zlib],
  ] as const) {
    zarr.registry.set(name, codec as never)
    zarr.registry.set(`numcodecs.${name}`, codec as never)
  }
}
