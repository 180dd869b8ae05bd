import { existsSync, readFileSync } from 'node:fs'
import { InputError, messageOf } from '../errors.ts'
import { childPath as join, type FsPath } from './names.ts'
import type { ArrayInfo } from './types.ts'

export type { FsPath }

export interface NodeMeta {
  kind: 'array' | 'group'
  version: 2 | 3
  /** The metadata file, for messages. */
  file: string
  json: Record<string, unknown>
  attributes: Record<string, unknown>
}

function shown(path: FsPath): string {
  return typeof path === 'string' ? path : path.toString('utf8')
}

function readJson(path: FsPath): Record<string, unknown> {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new InputError(`${shown(path)}: unreadable Zarr metadata (${messageOf(e)})`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new InputError(`${shown(path)}: Zarr metadata must be a JSON object`)
  return json as Record<string, unknown>
}

function objectOr(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {}
}

export function readNode(dir: FsPath): NodeMeta | null {
  const v3 = join(dir, 'zarr.json')
  if (existsSync(v3)) {
    const json = readJson(v3)
    const kind = json.node_type === 'array' ? 'array' : 'group'
    return { kind, version: 3, file: shown(v3), json, attributes: objectOr(json.attributes) }
  }
  const attrsPath = join(dir, '.zattrs')
  const attributes = existsSync(attrsPath) ? readJson(attrsPath) : {}
  for (const [name, kind] of [
    ['.zarray', 'array'],
    ['.zgroup', 'group'],
  ] as const) {
    const file = join(dir, name)
    if (existsSync(file)) return { kind, version: 2, file: shown(file), json: readJson(file), attributes }
  }
  return null
}

const V2_KINDS: Record<string, string> = { u: 'uint', i: 'int', f: 'float' }

/** '<u2' -> 'uint16'; anything else keeps a readable name so listing never fails. */
function v2DtypeName(dtype: unknown): string {
  if (typeof dtype !== 'string') return 'structured'
  const m = /^[<>|=]([uif])(\d+)$/.exec(dtype)
  if (m) return `${V2_KINDS[m[1]!]}${Number(m[2]) * 8}`
  if (dtype === '|b1') return 'bool'
  return dtype
}

function isIntList(value: unknown, min: number): value is number[] {
  return Array.isArray(value) && value.every((n) => Number.isSafeInteger(n) && (n as number) >= min)
}

interface Codec {
  name: string
  configuration: Record<string, unknown>
}

function codecsOf(value: unknown): Codec[] {
  if (!Array.isArray(value)) return []
  return value.map((c) => {
    const o = objectOr(c)
    return { name: typeof o.name === 'string' ? o.name : '?', configuration: objectOr(o.configuration) }
  })
}

/** What a listing shows: never throws, whatever the metadata holds (odd fields show as unknown). */
export function arrayInfo(name: string, node: NodeMeta): ArrayInfo {
  const j = node.json
  const shape = isIntList(j.shape, 0) ? j.shape : []
  if (node.version === 2) {
    const compressor = j.compressor === null ? null : objectOr(j.compressor)
    const parts = compressor ? [compressor.id, compressor.cname].filter((p) => typeof p === 'string') : []
    return {
      name,
      shape,
      dtype: v2DtypeName(j.dtype),
      chunks: isIntList(j.chunks, 1) ? j.chunks : null,
      compression: parts.length ? parts.join(':') : null,
    }
  }
  const grid = objectOr(objectOr(j.chunk_grid).configuration).chunk_shape
  const codecs = codecsOf(j.codecs).map((c) => c.name)
  const compression = codecs.filter((c) => !['bytes', 'transpose', 'crc32c'].includes(c)).join('+')
  return {
    name,
    shape,
    dtype: typeof j.data_type === 'string' ? j.data_type : 'extension',
    chunks: isIntList(grid, 1) ? grid : null,
    compression: compression || null,
  }
}

export interface CheckedArray {
  shape: number[]
  /** The storage grid: one file per cell (a shard when sharded). */
  grid: number[]
  /** What one decode produces: the grid cell, or the inner chunk of a shard. */
  chunk: number[]
  /** How a grid cell's coordinates become its file's key. */
  key: { prefix: string; separator: '.' | '/' }
}

const ARRAY_TO_ARRAY = new Set(['transpose'])
const ARRAY_TO_BYTES = new Set(['bytes', 'sharding_indexed'])

/**
 * The fields reading depends on, checked against what the spec allows, so that a file that lies
 * (a shape given as text, chunks that do not tile a shard, a codec chain with no byte codec) is
 * refused by name instead of being read into wrong values.
 */
export function checkArrayMeta(node: NodeMeta): CheckedArray {
  const j = node.json
  const bad = (field: string, expected: string, value: unknown): InputError =>
    new InputError(
      `${node.file}: field '${field}' must be ${expected}, got ${JSON.stringify(value)?.slice(0, 80)}`,
    )
  if (!isIntList(j.shape, 0)) throw bad('shape', 'a list of non-negative integers', j.shape)
  const shape = j.shape
  const sameRank = (field: string, value: unknown): number[] => {
    if (!isIntList(value, 1) || value.length !== shape.length)
      throw bad(field, `a list of ${shape.length} positive integers`, value)
    return value
  }
  if (node.version === 2) {
    if (j.zarr_format !== 2) throw bad('zarr_format', '2', j.zarr_format)
    const chunks = sameRank('chunks', j.chunks)
    if (j.order !== 'C' && j.order !== 'F') throw bad('order', '"C" or "F"', j.order)
    const separator = j.dimension_separator ?? '.'
    if (separator !== '.' && separator !== '/') throw bad('dimension_separator', '"." or "/"', separator)
    if (j.compressor !== null && typeof objectOr(j.compressor).id !== 'string')
      throw bad('compressor', 'null or an object with an "id"', j.compressor)
    if (j.filters !== null && j.filters !== undefined) {
      if (!Array.isArray(j.filters) || j.filters.some((f) => typeof objectOr(f).id !== 'string'))
        throw bad('filters', 'null or a list of objects with an "id"', j.filters)
    }
    return { shape, grid: chunks, chunk: chunks, key: { prefix: '', separator } }
  }
  if (j.zarr_format !== 3) throw bad('zarr_format', '3', j.zarr_format)
  if (typeof j.data_type !== 'string') throw bad('data_type', 'a data type name', j.data_type)
  const gridMeta = objectOr(j.chunk_grid)
  if (gridMeta.name !== 'regular') throw bad('chunk_grid.name', '"regular"', gridMeta.name)
  const grid = sameRank('chunk_grid.configuration.chunk_shape', objectOr(gridMeta.configuration).chunk_shape)
  const encoding = objectOr(j.chunk_key_encoding)
  const encodingName = encoding.name ?? 'default'
  if (encodingName !== 'default' && encodingName !== 'v2')
    throw bad('chunk_key_encoding.name', '"default" or "v2"', encodingName)
  const separator = objectOr(encoding.configuration).separator ?? (encodingName === 'default' ? '/' : '.')
  if (separator !== '.' && separator !== '/')
    throw bad('chunk_key_encoding.configuration.separator', '"." or "/"', separator)
  const chunk = checkCodecChain(node.file, 'codecs', j.codecs, grid)
  return {
    shape,
    grid,
    chunk,
    key: { prefix: encodingName === 'default' ? `c${separator}` : '', separator },
  }
}

/**
 * A v3 codec chain: array-to-array codecs, exactly one array-to-bytes codec, then bytes-to-bytes
 * codecs. Returns the shape one decode yields (the inner chunk when sharded).
 */
function checkCodecChain(file: string, field: string, value: unknown, cell: number[]): number[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new InputError(`${file}: field '${field}' must be a non-empty list of codecs`)
  const codecs = codecsOf(value)
  const bytesAt = codecs.findIndex((c) => ARRAY_TO_BYTES.has(c.name))
  const names = codecs.map((c) => c.name).join(', ')
  if (bytesAt < 0 || codecs.slice(bytesAt + 1).some((c) => ARRAY_TO_BYTES.has(c.name)))
    throw new InputError(
      `${file}: field '${field}' must hold exactly one array-to-bytes codec (bytes or sharding_indexed), got [${names}]`,
    )
  const misplaced = codecs.findIndex((c, i) => ARRAY_TO_ARRAY.has(c.name) !== i < bytesAt && i !== bytesAt)
  if (misplaced >= 0)
    throw new InputError(
      `${file}: field '${field}': codec '${codecs[misplaced]!.name}' is out of order in [${names}]`,
    )
  const arrayToBytes = codecs[bytesAt]!
  if (arrayToBytes.name !== 'sharding_indexed') return cell
  const config = arrayToBytes.configuration
  const inner = config.chunk_shape
  if (!isIntList(inner, 1) || inner.length !== cell.length || inner.some((n, i) => cell[i]! % n !== 0))
    throw new InputError(
      `${file}: sharding_indexed chunk_shape ${JSON.stringify(inner)} must divide the shard shape [${cell}]`,
    )
  checkCodecChain(file, `${field}[${bytesAt}].configuration.codecs`, config.codecs, inner)
  if (config.index_codecs !== undefined)
    checkCodecChain(file, `${field}[${bytesAt}].configuration.index_codecs`, config.index_codecs, [
      ...inner,
      2,
    ])
  return inner
}
