/** What a mutation sees and the edits the mutations share (HDF5 dataspace/datatype, Zarr metadata and codecs). */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readJson, writeJson } from './files.ts'
import type { Box, Format, H5Dataset, Source, SourceArray, V3ArrayTruth } from './manifest.ts'
import type { Rng } from './rng.ts'

export interface MutationContext {
  rng: Rng
  source: Source
  /** The case's copy of the file or store. */
  data: string
  target: string
  /** For Zarr v3: the truth of each array, which the mutation edits. */
  v3: Record<string, V3ArrayTruth>
  /** Set when the mutation changes the shape a reader should see (regions are then chosen inside it). */
  shape?: number[]
  listingEither?: boolean
  renamed?: string
}

export interface Mutation {
  formats: Format[]
  applies?: (s: Source, target: string) => boolean
  /** How many sources get this mutation (at most). */
  per: number
  run: (c: MutationContext) => string
}

export const arrayOf = (c: MutationContext, name = c.target): SourceArray => c.source.arrays[name]!
export const arrayDir = (c: MutationContext, name = c.target): string =>
  join(c.data, arrayOf(c, name).dir ?? '')
export const metaFile = (c: MutationContext, name = c.target): string =>
  c.source.format === 'zarr3' ? join(c.data, arrayOf(c, name).meta!) : join(arrayDir(c, name), '.zarray')
export const truthOf = (c: MutationContext, name = c.target): V3ArrayTruth => c.v3[name]!

export interface ChunkRef {
  file: string
  box: Box | null
  inner: Box[] | null
}

export function chunkFilesOf(c: MutationContext, name = c.target): ChunkRef[] {
  return (arrayOf(c, name).chunkFiles ?? []).map((f) =>
    typeof f === 'string'
      ? { file: join(c.data, f), box: null, inner: null }
      : { file: join(c.data, f.key), box: f.box, inner: f.inner },
  )
}

/** A chunk that exists, preferring the one at the origin (the small region usually touches it). */
export function someChunk(c: MutationContext): ChunkRef {
  const files = chunkFilesOf(c)
  return c.rng.next() < 0.5 ? files[0]! : c.rng.pick(files)
}

/** The boxes a read must refuse once every present chunk of the array is unreadable. */
export function presentBoxes(c: MutationContext, name = c.target): Box[] {
  return chunkFilesOf(c, name).flatMap((f) => f.inner ?? (f.box ? [f.box] : []))
}

export const compressed = (a: SourceArray): boolean =>
  (a.codecs ?? []).some((n) => ['gzip', 'zstd', 'blosc'].includes(n)) || !!a.compressor
export const hasCrc = (a: SourceArray): boolean => (a.codecs ?? []).includes('crc32c')
export const isGroup = (s: Source): boolean => !s.rootIsArray
export const hdf5Target = (s: Source, t: string): H5Dataset => s.hdf5!.datasets[t]!
export const v1Header = (s: Source, t: string): boolean =>
  hdf5Target(s, t).headerVersion === 'v1' && hdf5Target(s, t).dataspace !== null

/** v3 codec lists are edited in place on the array's zarr.json (the sharding codec's inner list for shards). */
export function editCodecs(c: MutationContext, edit: (codecs: Array<Record<string, unknown>>) => void): void {
  const meta = readJson(metaFile(c))
  const codecs = meta.codecs as Array<Record<string, unknown>>
  const first = codecs[0]!
  if (first.name === 'sharding_indexed')
    edit((first.configuration as { codecs: Array<Record<string, unknown>> }).codecs)
  else edit(codecs)
  writeJson(metaFile(c), meta)
}

export function setH5Dims(c: MutationContext, dims: (old: number[]) => number[]): string {
  const ds = hdf5Target(c.source, c.target).dataspace!
  const buf = readFileSync(c.data)
  const old = Array.from({ length: ds.rank }, (_, i) => Number(buf.readBigUInt64LE(ds.dims + 8 * i)))
  const next = dims(old)
  next.forEach((n, i) => buf.writeBigUInt64LE(BigInt(n), ds.dims + 8 * i))
  // A dataspace message v1 with max dims (flag bit 0) keeps them right after the dims: keep max >= dims.
  const flags = buf[ds.dims - 6]!
  if (ds.version === 1 && flags & 1)
    next.forEach((n, i) => {
      const at = ds.dims + 8 * (ds.rank + i)
      if (buf.readBigUInt64LE(at) !== 0xffffffffffffffffn && Number(buf.readBigUInt64LE(at)) < n)
        buf.writeBigUInt64LE(BigInt(n), at)
    })
  writeFileSync(c.data, buf)
  c.shape = next
  return `dataspace [${old}] -> [${next}]`
}

export function editH5Datatype(c: MutationContext, edit: (buf: Buffer, at: number) => string): string {
  const dt = hdf5Target(c.source, c.target).datatype!
  const buf = readFileSync(c.data)
  const what = edit(buf, dt.offset)
  writeFileSync(c.data, buf)
  return what
}

/** Changes a Zarr array's metadata (v2 .zarray or v3 zarr.json) and, for v3, the truth with it. */
export function editMeta(
  c: MutationContext,
  edit: (meta: Record<string, unknown>, truth?: V3ArrayTruth) => string,
) {
  const meta = readJson(metaFile(c))
  const what = edit(meta, c.source.format === 'zarr3' ? truthOf(c) : undefined)
  writeJson(metaFile(c), meta)
  return what
}

export const V2_SIZE_LIE: Record<string, string> = {
  '|u1': '<u2',
  '<u2': '<u4',
  '<i4': '<i8',
  '<f4': '<f8',
  '<f8': '<f4',
  '<u4': '<u2',
}
export const V2_SAME_SIZE: Record<string, string> = {
  '|u1': '|i1',
  '<u2': '<i2',
  '<i4': '<f4',
  '<f4': '<i4',
  '<f8': '<i8',
  '<u4': '<f4',
}
export const V3_SIZE_LIE: Record<string, string> = {
  uint8: 'uint16',
  uint16: 'uint32',
  int32: 'int64',
  float32: 'float64',
  float64: 'float32',
}
export const V3_SAME_SIZE: Record<string, string> = {
  uint8: 'int8',
  uint16: 'int16',
  int32: 'float32',
  float32: 'int32',
  float64: 'int64',
}
