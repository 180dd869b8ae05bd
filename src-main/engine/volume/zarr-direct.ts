import { endianness } from 'node:os'
import { bloscStoredAsIs } from './blosc-header.ts'
import type { ByteCodec } from './decode.ts'
import type { NodeMeta } from './zarr-meta.ts'

/**
 * Where a chunk file's values start when its stored bytes are the values themselves, from its first
 * 16 bytes and its size; null when it must be decoded.
 */
export type StoredValues = (head: Uint8Array, size: number) => number | null

const raw: StoredValues = () => 0
const blosc: StoredValues = (head, size) => (bloscStoredAsIs(head, size) ? 16 : null)

const object = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {}

const BYTE_CODECS = new Set<string>(['blosc', 'zstd', 'gzip', 'zlib'])

/**
 * The one byte codec between a chunk file and its values, for arrays in C order and this machine's
 * byte order with no filter, checksum, transpose or shard: `codec` null when the file holds the
 * values as they are. Null for every other array, whose chunks go through zarrita's pipeline.
 */
export function valueCodec(
  node: NodeMeta,
  itemBytes: number,
): { codec: ByteCodec | null; config: Record<string, unknown> } | null {
  if (endianness() !== 'LE') return null
  const j = node.json
  const compressor = (name: unknown, config: Record<string, unknown>) =>
    name === undefined || name === null
      ? { codec: null, config: {} }
      : typeof name === 'string' && BYTE_CODECS.has(name)
        ? { codec: name as ByteCodec, config }
        : null
  if (node.version === 2) {
    const dtype = typeof j.dtype === 'string' ? j.dtype : ''
    const filters =
      j.filters === null || j.filters === undefined || (Array.isArray(j.filters) && !j.filters.length)
    if (j.order !== 'C' || !filters || !(dtype[0] === '<' || (dtype[0] === '|' && itemBytes === 1)))
      return null
    if (j.compressor === null) return { codec: null, config: {} }
    const { id, ...config } = object(j.compressor)
    return id === undefined ? null : compressor(id, config)
  }
  const codecs = Array.isArray(j.codecs) ? j.codecs.map(object) : []
  const [bytes, ...rest] = codecs
  if (bytes?.name !== 'bytes' || rest.length > 1) return null
  const endian = object(bytes.configuration).endian
  if (!(endian === 'little' || (endian === undefined && itemBytes === 1))) return null
  return compressor(rest[0]?.name, object(rest[0]?.configuration))
}

/**
 * For arrays whose chunks may be stored as their values (no compressor, or blosc, which stores a
 * chunk as-is when compressing gains nothing): such a chunk can be read straight into the region.
 * Null for every other array, whose chunks all go through the codec pipeline.
 */
export function storedValues(node: NodeMeta, itemBytes: number): StoredValues | null {
  const found = valueCodec(node, itemBytes)
  return found?.codec === null ? raw : found?.codec === 'blosc' ? blosc : null
}
