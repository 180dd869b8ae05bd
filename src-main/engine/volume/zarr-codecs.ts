import * as zarr from 'zarrita'
import { deflateSync, gzipSync } from 'node:zlib'
import { CheckedCrc32cCodec } from './crc32c.ts'
import type { ByteCodec } from './decode.ts'
import { decodeOffThread } from './decode-pool.ts'
import { bloscStored, checkBloscHeader } from './blosc-header.ts'

interface BytesCodec {
  kind?: string
  encode(bytes: Uint8Array): Uint8Array | Promise<Uint8Array>
  decode(bytes: Uint8Array): Uint8Array | Promise<Uint8Array>
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
