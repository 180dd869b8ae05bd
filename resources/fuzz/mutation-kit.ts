/** What a mutation sees and the edits the mutations share (HDF5 dataspace/datatype, Zarr metadata and codecs). */
import { readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
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

// ---------------------------------------------------------------- mutation shapes that repeat

const ZARR: Format[] = ['zarr2', 'zarr3']

/** A mutation that edits a Zarr array's metadata (and, for v3, its truth; `truth` is absent for v2). */
export function metaLie(
  per: number,
  edit: (meta: Record<string, unknown>, truth: V3ArrayTruth | undefined, c: MutationContext) => string,
  formats: Format[] = ZARR,
): Mutation {
  return { formats, per, run: (c) => editMeta(c, (m, t) => edit(m, t, c)) }
}

/** A Zarr metadata lie no reader can read past: for Zarr v3 the array is then broken. */
export function brokenMeta(
  per: number,
  edit: (meta: Record<string, unknown>, c: MutationContext) => string,
  formats: Format[] = ZARR,
): Mutation {
  return metaLie(
    per,
    (m, t, c) => {
      const what = edit(m, c)
      if (t) t.broken = true
      return what
    },
    formats,
  )
}

/** A Zarr shape a reader can honour: regions are chosen inside it and, for v3, it is the true shape. */
export function zarrShapeLie(
  per: number,
  shape: (old: number[]) => number[],
  what = (s: number[]) => `shape [${s}]`,
): Mutation {
  return metaLie(per, (m, t, c) => {
    const s = shape(m.shape as number[])
    m.shape = s
    c.shape = s
    if (t) t.shape = s
    return what(s)
  })
}

/** An HDF5 dataspace lie (v1 object headers, where the dims sit at a known offset). */
export function h5ShapeLie(per: number, dims: (old: number[]) => number[]): Mutation {
  return { formats: ['hdf5'], per, applies: v1Header, run: (c) => setH5Dims(c, dims) }
}

/** An HDF5 datatype lie, edited in place on the datatype message. */
export function h5DatatypeLie(
  per: number,
  edit: (buf: Buffer, at: number, c: MutationContext) => string,
): Mutation {
  return {
    formats: ['hdf5'],
    per,
    applies: (s, t) => hdf5Target(s, t).datatype !== null,
    run: (c) => editH5Datatype(c, (buf, at) => edit(buf, at, c)),
  }
}

/**
 * Damage to one present chunk file; for Zarr v3 its box then reads as `box` says (refused, or the fill
 * value for a deleted chunk).
 */
export function chunkDamage(
  per: number,
  damage: (chunk: ChunkRef, c: MutationContext) => string,
  box: 'refuseBoxes' | 'fillBoxes' = 'refuseBoxes',
): Mutation {
  return {
    formats: ZARR,
    per,
    run: (c) => {
      const chunk = someChunk(c)
      const what = damage(chunk, c)
      if (c.source.format === 'zarr3') truthOf(c)[box].push(chunk.box!)
      return `${relative(c.data, chunk.file)}${what}`
    },
  }
}

/**
 * A Zarr dtype swapped for the one `lies` names (`fallback`, else unchanged, where it names none); for v3
 * the truth takes the new dtype and `v3` says what else follows from it.
 */
export function zarrDtypeLie(
  per: number,
  lies: { v2: Record<string, string>; v3: Record<string, string> },
  fallback: { v2?: string; v3?: string },
  v3: (meta: Record<string, unknown>, truth: V3ArrayTruth, c: MutationContext) => string,
): Mutation {
  return metaLie(per, (m, t, c) => {
    const key = t ? 'data_type' : 'dtype'
    const old = m[key] as string
    m[key] = (t ? lies.v3 : lies.v2)[old] ?? (t ? fallback.v3 : fallback.v2) ?? old
    const what = `${key} ${old} -> ${m[key] as string}`
    if (!t) return what
    t.dtype = m.data_type as string
    return what + v3(m, t, c)
  })
}
