/**
 * The fuzz corpus: valid HDF5 and Zarr sources (sources.py: h5py, zarr-python, a hand-written Zarr v3
 * encoder; plus one Zarr v3 array written by our own ZarrV3Writer) and mutated copies of them, every one
 * reproducible from a seed. Each case is a folder `cases/<id>/` holding the file or store and a case.json
 * that lists the commands to run and, for Zarr v3 (which zarr-python 2 cannot read), the values a correct
 * reader must return.
 *
 * Usage: generateCorpus({ dir, seed }) or, from the shell, `node --import tsx resources/fuzz/corpus.ts DIR [SEED]`.
 */
import { spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ZarrV3Writer } from '../../src-main/engine/volume/index.ts'

export const FUZZ_DIR = fileURLToPath(new URL('.', import.meta.url))
export const PYTHON = process.env.ACTIVEEM_PYTHON ?? '/usr/bin/python3'
export const DEFAULT_SEED = 20

/** [z0, z1, y0, y1, x0, x1], half-open. */
export type Box = [number, number, number, number, number, number]
export type Format = 'hdf5' | 'zarr2' | 'zarr3'

export interface FuzzCommand {
  kind: 'list' | 'stats' | 'read'
  /** The array the command names (null: the file or store itself); '' is a store that is one array. */
  dataset: string | null
  region?: Box
}

/** What a correct reader returns for one Zarr v3 array of a case (no peer reads v3 here). */
export interface V3ArrayTruth {
  /** The array's values as written (relative to the corpus folder), at [0, shape of the .npy). */
  npy: string
  /** The bytes reinterpreted as this dtype (metadata that changed the dtype to one of the same size). */
  view: string | null
  byteswap: boolean
  /** The shape and dtype the metadata claims; voxels outside the .npy read as the fill value. */
  shape: number[]
  dtype: string
  fill: number | string | null
  /** Boxes that read as the fill value (missing chunks). */
  fillBoxes: Box[]
  /** Boxes whose chunk is damaged: a read that touches one must exit 2. */
  refuseBoxes: Box[]
  /** Boxes whose chunk is damaged in a way a reader may forgive: exit 2, or the values as written. */
  eitherBoxes: Box[]
  /** Metadata no reader may accept: every command on the array exits 2. */
  broken: boolean
}

export interface ListedTruth {
  name: string
  utf8: boolean
  ok: boolean
  shape?: number[]
  dtype?: string
}

export interface FuzzCase {
  id: string
  source: string
  format: Format
  mutation: string
  detail: string
  valid: boolean
  /** The file or store, relative to the case folder. */
  data: string
  commands: FuzzCommand[]
  v3?: {
    arrays: Record<string, V3ArrayTruth>
    /** The truth before the mutation: a read of damage it missed (or may read through) must equal it. */
    original: Record<string, V3ArrayTruth>
    listing: ListedTruth[]
    listingEither: boolean
  }
}

// ------------------------------------------------------------------------------------ the manifest

interface H5Dataset {
  ohdr: [number, number]
  headerVersion: string
  chunks: Array<[number, number]>
  contiguous: [number, number] | null
  dataspace: { version: number; rank: number; dims: number } | null
  datatype: { offset: number; size: number } | null
}

interface SourceArray {
  shape: number[]
  dtype: string
  chunks?: number[]
  dir?: string
  meta?: string
  compressor?: string | null
  separator?: string
  codecs?: string[]
  fill?: number
  chunkFiles?: Array<string | { key: string; box: Box; inner: Box[] | null }>
  missing?: Box[]
  truth?: string
  sharded?: boolean
}

interface Source {
  id: string
  format: Format
  path: string
  targets: string[]
  arrays: Record<string, SourceArray>
  allArrays?: string[]
  rootIsArray?: boolean
  hdf5?: {
    size: number
    superblockVersion: number
    datasets: Record<string, H5Dataset>
    signatures: number[]
  }
}

// ----------------------------------------------------------------------------------- seeded chance

function hashString(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h >>> 0
}

export class Rng {
  private state: number
  constructor(seed: number, salt: string) {
    this.state = (hashString(`${seed}:${salt}`) ^ 0x9e3779b9) >>> 0
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items]
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      ;[out[i], out[j]] = [out[j]!, out[i]!]
    }
    return out
  }
  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(0, 255)))
  }
}

// ------------------------------------------------------------------------------------ helpers

const NON_UTF8 = Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x80]) // "bad" + bytes no UTF-8 decoder accepts

function flipBytes(file: string, rng: Rng, from: number, to: number, count: number): string {
  const buf = readFileSync(file)
  const end = Math.min(to, buf.length)
  if (end <= from) return 'nothing to flip'
  const at: number[] = []
  for (let i = 0; i < count; i++) {
    const p = rng.int(from, end - 1)
    buf[p] = buf[p]! ^ (1 << rng.int(0, 7)) ^ (rng.next() < 0.5 ? 0xff : 0)
    at.push(p)
  }
  writeFileSync(file, buf)
  return `flipped bytes at ${at.join(', ')}`
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2))
}

function voxels(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}

/** The chunk boxes (start corner + chunk) of the given chunk-grid indices, in array coordinates. */
function chunkBox(index: number[], chunks: number[]): Box {
  const b = index.flatMap((i, d) => [i * chunks[d]!, (i + 1) * chunks[d]!])
  return b as Box
}

/** NumPy .npy v1.0 of C-ordered little-endian data, as numpy.save writes it. */
function writeNpy(file: string, descr: string, shape: number[], bytes: Uint8Array): void {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n'
  const prefix = Buffer.alloc(10)
  prefix.write('\x93NUMPY', 0, 'latin1')
  prefix[6] = 1
  prefix.writeUInt16LE(header.length, 8)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), bytes]))
}

// ------------------------------------------------------------------- the source our own writer makes

/** A Zarr v3 store written the way ActiveEM writes its maps (ZarrV3Writer, zstd), one chunk left unwritten. */
async function writeActiveemSource(root: string, seed: number): Promise<Source> {
  const name = 'z3_activeem'
  const store = join(root, `${name}.zarr`)
  const shape = [12, 40, 36]
  const chunks = [4, 16, 16]
  const rng = new Rng(seed, name)
  const data = new Uint16Array(voxels(shape)).map(() => rng.int(0, 65535))
  const writer = new ZarrV3Writer(store)
  await writer.group('', { source: 'fuzz' })
  const arr = await writer.array('pred', { shape: [12, 40, 36], chunks: [4, 16, 16], dtype: 'uint16' })
  const skip = '1,1,0'
  const missing: Box[] = []
  const truth = new Uint16Array(data)
  for (let z = 0; z < 3; z++)
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 3; x++) {
        const box = chunkBox([z, y, x], chunks)
        const clip = [
          box[0],
          Math.min(box[1], 12),
          box[2],
          Math.min(box[3], 40),
          box[4],
          Math.min(box[5], 36),
        ]
        const [z0, z1, y0, y1, x0, x1] = clip as Box
        if (`${z},${y},${x}` === skip) {
          missing.push(box)
          for (let k = z0; k < z1; k++)
            for (let j = y0; j < y1; j++) truth.fill(0, (k * 40 + j) * 36 + x0, (k * 40 + j) * 36 + x1)
          continue
        }
        const block = new Uint16Array((z1 - z0) * (y1 - y0) * (x1 - x0))
        let n = 0
        for (let k = z0; k < z1; k++)
          for (let j = y0; j < y1; j++)
            for (let i = x0; i < x1; i++) block[n++] = data[(k * 40 + j) * 36 + i]!
        await arr.writeRegion({ z0, z1, y0, y1, x0, x1 }, block)
      }
  const truthPath = join('truth', `${name}.zarr`, 'pred.npy')
  writeNpy(join(root, truthPath), '<u2', shape, new Uint8Array(truth.buffer))
  const chunkFiles = listFiles(join(store, 'pred', 'c')).map((f) => {
    const index = relative(join(store, 'pred', 'c'), f)
      .split('/')
      .map(Number)
    return { key: relative(store, f), box: chunkBox(index, chunks), inner: null }
  })
  return {
    id: name,
    format: 'zarr3',
    path: `${name}.zarr`,
    targets: ['pred'],
    arrays: {
      pred: {
        shape,
        dtype: 'uint16',
        chunks,
        fill: 0,
        dir: 'pred',
        meta: 'pred/zarr.json',
        codecs: ['bytes', 'zstd'],
        chunkFiles,
        missing,
        truth: truthPath,
        sharded: false,
      },
    },
    allArrays: ['pred'],
    rootIsArray: false,
  }
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]))
}

// ---------------------------------------------------------------------------------- mutations

interface MutationContext {
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

interface Mutation {
  formats: Format[]
  applies?: (s: Source, target: string) => boolean
  /** How many sources get this mutation (at most). */
  per: number
  run: (c: MutationContext) => string
}

const arrayOf = (c: MutationContext, name = c.target): SourceArray => c.source.arrays[name]!
const arrayDir = (c: MutationContext, name = c.target): string => join(c.data, arrayOf(c, name).dir ?? '')
const metaFile = (c: MutationContext, name = c.target): string =>
  c.source.format === 'zarr3' ? join(c.data, arrayOf(c, name).meta!) : join(arrayDir(c, name), '.zarray')
const truthOf = (c: MutationContext, name = c.target): V3ArrayTruth => c.v3[name]!

interface ChunkRef {
  file: string
  box: Box | null
  inner: Box[] | null
}

function chunkFilesOf(c: MutationContext, name = c.target): ChunkRef[] {
  return (arrayOf(c, name).chunkFiles ?? []).map((f) =>
    typeof f === 'string'
      ? { file: join(c.data, f), box: null, inner: null }
      : { file: join(c.data, f.key), box: f.box, inner: f.inner },
  )
}

/** A chunk that exists, preferring the one at the origin (the small region usually touches it). */
function someChunk(c: MutationContext): ChunkRef {
  const files = chunkFilesOf(c)
  return c.rng.next() < 0.5 ? files[0]! : c.rng.pick(files)
}

/** The boxes a read must refuse once every present chunk of the array is unreadable. */
function presentBoxes(c: MutationContext, name = c.target): Box[] {
  return chunkFilesOf(c, name).flatMap((f) => f.inner ?? (f.box ? [f.box] : []))
}

const compressed = (a: SourceArray): boolean =>
  (a.codecs ?? []).some((n) => ['gzip', 'zstd', 'blosc'].includes(n)) || !!a.compressor
const hasCrc = (a: SourceArray): boolean => (a.codecs ?? []).includes('crc32c')
const isGroup = (s: Source): boolean => !s.rootIsArray
const hdf5Target = (s: Source, t: string): H5Dataset => s.hdf5!.datasets[t]!
const v1Header = (s: Source, t: string): boolean =>
  hdf5Target(s, t).headerVersion === 'v1' && hdf5Target(s, t).dataspace !== null

/** v3 codec lists are edited in place on the array's zarr.json (the sharding codec's inner list for shards). */
function editCodecs(c: MutationContext, edit: (codecs: Array<Record<string, unknown>>) => void): void {
  const meta = readJson(metaFile(c))
  const codecs = meta.codecs as Array<Record<string, unknown>>
  const first = codecs[0]!
  if (first.name === 'sharding_indexed')
    edit((first.configuration as { codecs: Array<Record<string, unknown>> }).codecs)
  else edit(codecs)
  writeJson(metaFile(c), meta)
}

function setH5Dims(c: MutationContext, dims: (old: number[]) => number[]): string {
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

function editH5Datatype(c: MutationContext, edit: (buf: Buffer, at: number) => string): string {
  const dt = hdf5Target(c.source, c.target).datatype!
  const buf = readFileSync(c.data)
  const what = edit(buf, dt.offset)
  writeFileSync(c.data, buf)
  return what
}

/** Changes a Zarr array's metadata (v2 .zarray or v3 zarr.json) and, for v3, the truth with it. */
function editMeta(c: MutationContext, edit: (meta: Record<string, unknown>, truth?: V3ArrayTruth) => string) {
  const meta = readJson(metaFile(c))
  const what = edit(meta, c.source.format === 'zarr3' ? truthOf(c) : undefined)
  writeJson(metaFile(c), meta)
  return what
}

const V2_SIZE_LIE: Record<string, string> = {
  '|u1': '<u2',
  '<u2': '<u4',
  '<i4': '<i8',
  '<f4': '<f8',
  '<f8': '<f4',
  '<u4': '<u2',
}
const V2_SAME_SIZE: Record<string, string> = {
  '|u1': '|i1',
  '<u2': '<i2',
  '<i4': '<f4',
  '<f4': '<i4',
  '<f8': '<i8',
  '<u4': '<f4',
}
const V3_SIZE_LIE: Record<string, string> = {
  uint8: 'uint16',
  uint16: 'uint32',
  int32: 'int64',
  float32: 'float64',
  float64: 'float32',
}
const V3_SAME_SIZE: Record<string, string> = {
  uint8: 'int8',
  uint16: 'int16',
  int32: 'float32',
  float32: 'int32',
  float64: 'int64',
}

export const MUTATIONS: Record<string, Mutation> = {
  // ------------------------------------------------------------------------------------ HDF5
  truncate: {
    formats: ['hdf5'],
    per: 10,
    run: (c) => {
      const size = statSync(c.data).size
      const keep = Math.floor(size * (0.05 + 0.9 * c.rng.next()))
      truncateSync(c.data, keep)
      return `truncated ${size} -> ${keep} bytes`
    },
  },
  'truncate-header': {
    formats: ['hdf5'],
    per: 3,
    run: (c) => {
      const keep = c.rng.int(9, 400)
      truncateSync(c.data, keep)
      return `truncated to ${keep} bytes`
    },
  },
  'flip-superblock': {
    formats: ['hdf5'],
    per: 8,
    run: (c) => flipBytes(c.data, c.rng, 0, c.source.hdf5!.superblockVersion >= 2 ? 48 : 96, c.rng.int(1, 3)),
  },
  'flip-object-header': {
    formats: ['hdf5'],
    per: 10,
    run: (c) => {
      const [addr, size] = hdf5Target(c.source, c.target).ohdr
      return flipBytes(c.data, c.rng, addr, addr + size, c.rng.int(1, 2))
    },
  },
  'flip-chunk': {
    formats: ['hdf5'],
    per: 10,
    applies: (s, t) => hdf5Target(s, t).chunks.length > 0 || hdf5Target(s, t).contiguous !== null,
    run: (c) => {
      const ds = hdf5Target(c.source, c.target)
      const [at, size] = ds.chunks.length > 0 ? c.rng.pick(ds.chunks) : ds.contiguous!
      return flipBytes(c.data, c.rng, at, at + size, c.rng.int(1, 4))
    },
  },
  'flip-metadata': {
    formats: ['hdf5'],
    per: 6,
    applies: (s) => s.hdf5!.signatures.length > 0,
    run: (c) => {
      const at = c.rng.pick(c.source.hdf5!.signatures)
      return flipBytes(c.data, c.rng, at, at + 64, c.rng.int(1, 3))
    },
  },
  'zero-block': {
    formats: ['hdf5'],
    per: 4,
    run: (c) => {
      const buf = readFileSync(c.data)
      const len = c.rng.int(64, 512)
      const at = c.rng.int(96, Math.max(97, buf.length - len))
      buf.fill(0, at, at + len)
      writeFileSync(c.data, buf)
      return `zeroed ${len} bytes at ${at}`
    },
  },
  'append-garbage': {
    formats: ['hdf5'],
    per: 3,
    run: (c) => {
      const n = c.rng.int(1, 4096)
      writeFileSync(c.data, Buffer.concat([readFileSync(c.data), c.rng.bytes(n)]))
      return `appended ${n} random bytes`
    },
  },
  'shape-huge': {
    formats: ['hdf5'],
    per: 4,
    applies: v1Header,
    run: (c) => setH5Dims(c, () => [10000, 10000, 10000]),
  },
  'shape-bigger': {
    formats: ['hdf5'],
    per: 4,
    applies: v1Header,
    run: (c) => setH5Dims(c, (d) => [d[0]! * 2, d[1]!, d[2]!]),
  },
  'shape-smaller': {
    formats: ['hdf5'],
    per: 4,
    applies: v1Header,
    run: (c) => setH5Dims(c, (d) => [d[0]!, Math.ceil(d[1]! / 2), d[2]!]),
  },
  'shape-zero': {
    formats: ['hdf5'],
    per: 2,
    applies: v1Header,
    run: (c) => setH5Dims(c, (d) => [0, d[1]!, d[2]!]),
  },
  'dtype-size': {
    formats: ['hdf5'],
    per: 6,
    applies: (s, t) => hdf5Target(s, t).datatype !== null,
    run: (c) =>
      editH5Datatype(c, (buf, at) => {
        const old = buf.readUInt32LE(at + 4)
        const next = old === 8 ? 4 : old * 2
        buf.writeUInt32LE(next, at + 4)
        return `datatype size ${old} -> ${next}`
      }),
  },
  'dtype-class': {
    formats: ['hdf5'],
    per: 4,
    applies: (s, t) => hdf5Target(s, t).datatype !== null,
    run: (c) =>
      editH5Datatype(c, (buf, at) => {
        const old = buf[at]! & 0x0f
        const next = old === 0 ? 1 : old === 1 ? 0 : 3
        buf[at] = (buf[at]! & 0xf0) | next
        return `datatype class ${old} -> ${next}`
      }),
  },
  'dtype-sign-order': {
    formats: ['hdf5'],
    per: 4,
    applies: (s, t) => hdf5Target(s, t).datatype !== null,
    run: (c) =>
      editH5Datatype(c, (buf, at) => {
        const bit = c.rng.pick([0, 3])
        buf[at + 1] = buf[at + 1]! ^ (1 << bit)
        return bit === 0 ? 'byte order flipped' : 'signed flag flipped'
      }),
  },

  // ----------------------------------------------------------------------- Zarr chunk files
  'chunk-truncate': {
    formats: ['zarr2', 'zarr3'],
    per: 5,
    run: (c) => {
      const chunk = someChunk(c)
      const size = statSync(chunk.file).size
      const keep = Math.floor(size * 0.9 * c.rng.next())
      truncateSync(chunk.file, keep)
      if (c.source.format === 'zarr3') truthOf(c).refuseBoxes.push(chunk.box!)
      return `${relative(c.data, chunk.file)}: ${size} -> ${keep} bytes`
    },
  },
  'chunk-empty': {
    formats: ['zarr2', 'zarr3'],
    per: 4,
    run: (c) => {
      const chunk = someChunk(c)
      truncateSync(chunk.file, 0)
      if (c.source.format === 'zarr3') truthOf(c).refuseBoxes.push(chunk.box!)
      return `${relative(c.data, chunk.file)} emptied`
    },
  },
  'chunk-pad': {
    formats: ['zarr2', 'zarr3'],
    per: 5,
    run: (c) => {
      const chunk = someChunk(c)
      const n = c.rng.int(1, 64)
      writeFileSync(chunk.file, Buffer.concat([readFileSync(chunk.file), c.rng.bytes(n)]))
      if (c.source.format === 'zarr3') {
        const a = arrayOf(c)
        // A raw chunk of the wrong size, a checksum over the wrong bytes, a shard index read from the
        // padding: all detectable. Trailing bytes after a gzip/zstd/blosc stream may be ignored.
        const strict = a.sharded || hasCrc(a) || !compressed(a)
        ;(strict ? truthOf(c).refuseBoxes : truthOf(c).eitherBoxes).push(chunk.box!)
      }
      return `${relative(c.data, chunk.file)}: ${n} bytes appended`
    },
  },
  'chunk-flip': {
    formats: ['zarr2', 'zarr3'],
    per: 5,
    // Without a checksum (crc32c, gzip's crc32, a shard index's crc32c) a flipped byte is a different,
    // equally valid value that no reader can know about: v3 only where the damage is detectable.
    applies: (s, t) =>
      s.format === 'zarr2' ||
      !!s.arrays[t]!.sharded ||
      hasCrc(s.arrays[t]!) ||
      (s.arrays[t]!.codecs ?? []).includes('gzip'),
    run: (c) => {
      const chunk = someChunk(c)
      const a = arrayOf(c)
      const size = statSync(chunk.file).size
      // Shards: flip inside the index (the last 16 bytes per inner chunk and the crc32c).
      const from = a.sharded ? Math.max(0, size - 36) : c.source.format === 'zarr3' && !hasCrc(a) ? 10 : 0
      const what = flipBytes(chunk.file, c.rng, from, size, c.rng.int(1, 3))
      if (c.source.format === 'zarr3') truthOf(c).refuseBoxes.push(chunk.box!)
      return `${relative(c.data, chunk.file)}: ${what}`
    },
  },
  'chunk-delete': {
    formats: ['zarr2', 'zarr3'],
    per: 4,
    run: (c) => {
      const chunk = someChunk(c)
      rmSync(chunk.file)
      if (c.source.format === 'zarr3') truthOf(c).fillBoxes.push(chunk.box!)
      return `${relative(c.data, chunk.file)} deleted`
    },
  },
  'chunk-swap': {
    formats: ['zarr2'],
    per: 3,
    applies: (s, t) => (s.arrays[t]!.chunkFiles ?? []).length >= 2,
    run: (c) => {
      const [a, b] = c.rng.shuffle(chunkFilesOf(c))
      const ta = readFileSync(a!.file)
      writeFileSync(a!.file, readFileSync(b!.file))
      writeFileSync(b!.file, ta)
      return `swapped ${relative(c.data, a!.file)} and ${relative(c.data, b!.file)}`
    },
  },
  'chunk-dir': {
    formats: ['zarr2'],
    per: 2,
    run: (c) => {
      const chunk = someChunk(c)
      rmSync(chunk.file)
      mkdirSync(chunk.file)
      return `${relative(c.data, chunk.file)} replaced by a folder`
    },
  },

  // ----------------------------------------------------------------------- Zarr metadata
  'meta-shape-string': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) =>
      editMeta(c, (m, t) => {
        m.shape = (m.shape as number[]).join(',')
        if (t) t.broken = true
        return `shape "${m.shape}"`
      }),
  },
  'meta-shape-negative': {
    formats: ['zarr2', 'zarr3'],
    per: 2,
    run: (c) =>
      editMeta(c, (m, t) => {
        const s = m.shape as number[]
        s[0] = -s[0]!
        if (t) t.broken = true
        return `shape [${s}]`
      }),
  },
  'meta-shape-float': {
    formats: ['zarr2', 'zarr3'],
    per: 1,
    run: (c) =>
      editMeta(c, (m, t) => {
        const s = m.shape as number[]
        s[2] = s[2]! + 0.5
        if (t) t.broken = true
        return `shape [${s}]`
      }),
  },
  'meta-shape-huge': {
    formats: ['zarr2', 'zarr3'],
    per: 4,
    run: (c) =>
      editMeta(c, (m, t) => {
        m.shape = [10000, 10000, 10000]
        c.shape = m.shape as number[]
        if (t) t.shape = c.shape
        return 'shape [10000,10000,10000]: 10^12 voxels, nearly all in missing chunks'
      }),
  },
  'meta-shape-bigger': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) =>
      editMeta(c, (m, t) => {
        const s = m.shape as number[]
        s[0] = s[0]! + 7
        c.shape = s
        if (t) t.shape = s
        return `shape [${s}]`
      }),
  },
  'meta-shape-smaller': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) =>
      editMeta(c, (m, t) => {
        const s = m.shape as number[]
        s[1] = Math.ceil(s[1]! / 2)
        c.shape = s
        if (t) t.shape = s
        return `shape [${s}]`
      }),
  },
  'meta-shape-lead-axis': {
    formats: ['zarr2'],
    per: 1,
    run: (c) =>
      editMeta(c, (m) => {
        m.shape = [1, ...(m.shape as number[])]
        m.chunks = [1, ...(m.chunks as number[])]
        return 'a leading axis of length 1 (every chunk key now misses: all fill)'
      }),
  },
  'meta-shape-rank': {
    formats: ['zarr2', 'zarr3'],
    per: 2,
    run: (c) =>
      editMeta(c, (m, t) => {
        const s = m.shape as number[]
        m.shape = [s[0]! * s[1]!, s[2]!]
        if (t) t.broken = true
        return `shape [${m.shape}] (2D, chunks still 3D)`
      }),
  },
  'meta-dtype-size': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) =>
      editMeta(c, (m, t) => {
        if (t) {
          const old = m.data_type as string
          m.data_type = V3_SIZE_LIE[old] ?? 'uint64'
          t.dtype = m.data_type as string
          t.refuseBoxes.push(...presentBoxes(c))
          return `data_type ${old} -> ${m.data_type}`
        }
        const old = m.dtype as string
        m.dtype = V2_SIZE_LIE[old] ?? '<u8'
        return `dtype ${old} -> ${m.dtype}`
      }),
  },
  'meta-dtype-same-size': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) =>
      editMeta(c, (m, t) => {
        if (t) {
          const old = m.data_type as string
          m.data_type = V3_SAME_SIZE[old] ?? old
          t.dtype = m.data_type as string
          t.view = t.dtype
          // A float fill value such as 0.5 is no integer's: keep the metadata valid apart from the lie.
          if (!t.dtype.startsWith('float') && !Number.isInteger(m.fill_value)) m.fill_value = t.fill = 0
          return `data_type ${old} -> ${m.data_type} (same size: the bytes read as the new type)`
        }
        const old = m.dtype as string
        m.dtype = V2_SAME_SIZE[old] ?? old
        return `dtype ${old} -> ${m.dtype}`
      }),
  },
  'meta-dtype-endian': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    applies: (s, t) => !['uint8', 'int8'].includes(s.arrays[t]!.dtype),
    run: (c) => {
      if (c.source.format === 'zarr3') {
        editCodecs(c, (codecs) => {
          const bytes = codecs.find((x) => x.name === 'bytes')!
          const conf = bytes.configuration as { endian: string }
          conf.endian = conf.endian === 'big' ? 'little' : 'big'
        })
        truthOf(c).byteswap = true
        return 'bytes codec endian flipped'
      }
      return editMeta(c, (m) => {
        const old = m.dtype as string
        m.dtype = (old.startsWith('<') ? '>' : '<') + old.slice(1)
        return `dtype ${old} -> ${m.dtype}`
      })
    },
  },
  'meta-dtype-invalid': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) =>
      editMeta(c, (m, t) => {
        const bad = c.rng.pick(['<x9', 'uint12', 17, '<U8', '|O', ''] as const)
        if (t) {
          m.data_type = bad
          t.broken = true
        } else m.dtype = bad
        return `dtype ${JSON.stringify(bad)}`
      }),
  },
  'meta-chunks-lie': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    applies: (s, t) => !s.arrays[t]!.sharded,
    run: (c) =>
      editMeta(c, (m, t) => {
        if (t) {
          const grid = m.chunk_grid as { configuration: { chunk_shape: number[] } }
          const ch = grid.configuration.chunk_shape
          ch[2] = Math.max(1, Math.floor(ch[2]! / 2))
          // Every chunk file keeps its key, now the key of a smaller box, and no longer has the right size;
          // every other box has no chunk file under the new grid and reads as the fill value.
          t.fillBoxes.push([0, 1e9, 0, 1e9, 0, 1e9])
          for (const f of arrayOf(c).chunkFiles as Array<{ key: string }>) {
            const index = f.key
              .split(/[/.]/)
              .filter((p) => /^\d+$/.test(p))
              .map(Number)
            t.refuseBoxes.push(chunkBox(index, ch))
          }
          return `chunk_shape [${ch}]`
        }
        const ch = m.chunks as number[]
        ch[2] = Math.max(1, Math.floor(ch[2]! / 2))
        return `chunks [${ch}]`
      }),
  },
  'meta-chunks-invalid': {
    formats: ['zarr2', 'zarr3'],
    per: 2,
    run: (c) =>
      editMeta(c, (m, t) => {
        const bad = c.rng.pick([[0, 16, 16], '4,16,16', [4, -16, 16], [4, 16]] as const)
        if (t) {
          ;(m.chunk_grid as { configuration: { chunk_shape: unknown } }).configuration.chunk_shape = bad
          t.broken = true
        } else m.chunks = bad
        return `chunks ${JSON.stringify(bad)}`
      }),
  },
  'meta-compressor-drop': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    applies: (s, t) => compressed(s.arrays[t]!),
    run: (c) => {
      if (c.source.format === 'zarr3') {
        editCodecs(c, (codecs) => {
          const i = codecs.findIndex((x) => ['gzip', 'zstd', 'blosc'].includes(x.name as string))
          codecs.splice(i, 1)
        })
        truthOf(c).refuseBoxes.push(...presentBoxes(c))
        return 'compression codec removed from the chain'
      }
      return editMeta(c, (m) => {
        m.compressor = null
        return 'compressor null (chunks still compressed)'
      })
    },
  },
  'meta-compressor-swap': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) => {
      if (c.source.format === 'zarr3') {
        let what = ''
        editCodecs(c, (codecs) => {
          const i = codecs.findIndex((x) => ['gzip', 'zstd', 'blosc'].includes(x.name as string))
          if (i < 0) {
            codecs.push({ name: 'gzip', configuration: { level: 5 } })
            what = 'gzip added (chunks are raw)'
          } else {
            const next = codecs[i]!.name === 'gzip' ? 'zstd' : 'gzip'
            what = `${codecs[i]!.name} -> ${next}`
            codecs[i] = { name: next, configuration: next === 'gzip' ? { level: 5 } : { level: 3 } }
          }
        })
        truthOf(c).refuseBoxes.push(...presentBoxes(c))
        return what
      }
      return editMeta(c, (m) => {
        const old = (m.compressor as { id?: string } | null)?.id ?? null
        const next =
          old === 'gzip'
            ? { id: 'zlib', level: 1 }
            : old === null
              ? { id: 'blosc', cname: 'lz4', clevel: 5, shuffle: 1, blocksize: 0 }
              : { id: 'gzip', level: 5 }
        m.compressor = next
        return `compressor ${old} -> ${next.id}`
      })
    },
  },
  'meta-compressor-unknown': {
    formats: ['zarr2', 'zarr3'],
    per: 2,
    run: (c) => {
      if (c.source.format === 'zarr3') {
        editCodecs(c, (codecs) => codecs.push({ name: 'no-such-codec', configuration: {} }))
        truthOf(c).broken = true
        return 'codec "no-such-codec" appended'
      }
      return editMeta(c, (m) => {
        m.compressor = { id: 'no-such-codec' }
        return 'compressor "no-such-codec"'
      })
    },
  },
  'meta-crc-drop': {
    formats: ['zarr3'],
    per: 1,
    applies: (s, t) => hasCrc(s.arrays[t]!),
    run: (c) => {
      editCodecs(c, (codecs) => codecs.splice(codecs.findIndex((x) => x.name === 'crc32c')))
      truthOf(c).refuseBoxes.push(...presentBoxes(c))
      return 'crc32c removed (chunks still carry it: 4 bytes too many)'
    },
  },
  'meta-filters': {
    formats: ['zarr2'],
    per: 3,
    run: (c) =>
      editMeta(c, (m) => {
        m.filters = [{ id: 'delta', dtype: m.dtype }]
        return 'a delta filter the chunks were not written with'
      }),
  },
  'meta-fill-change': {
    formats: ['zarr2', 'zarr3'],
    per: 2,
    applies: (s, t) =>
      (s.arrays[t]!.missing ?? []).length > 0 || s.id.includes('fill') || s.id.includes('huge'),
    run: (c) =>
      editMeta(c, (m, t) => {
        m.fill_value = 9
        if (t) t.fill = 9
        return 'fill_value 9'
      }),
  },
  'meta-fill-nan': {
    formats: ['zarr2', 'zarr3'],
    per: 1,
    applies: (s, t) => s.arrays[t]!.dtype.startsWith('float'),
    run: (c) =>
      editMeta(c, (m, t) => {
        m.fill_value = 'NaN'
        if (t) t.fill = 'NaN'
        return 'fill_value "NaN"'
      }),
  },
  'meta-fill-invalid': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) =>
      editMeta(c, (m, t) => {
        m.fill_value = c.rng.pick(['abc', [1, 2], { v: 1 }] as const)
        if (t) t.broken = true
        return `fill_value ${JSON.stringify(m.fill_value)}`
      }),
  },
  'meta-order-lie': {
    formats: ['zarr2'],
    per: 3,
    run: (c) =>
      editMeta(c, (m) => {
        m.order = m.order === 'F' ? 'C' : 'F'
        return `order ${m.order}`
      }),
  },
  'meta-separator-lie': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) =>
      editMeta(c, (m, t) => {
        if (t) {
          const enc = m.chunk_key_encoding as { configuration: { separator: string } }
          enc.configuration.separator = enc.configuration.separator === '/' ? '.' : '/'
          // No chunk file is found under the new keys: everything reads as the fill value.
          t.fillBoxes.push([0, 1e9, 0, 1e9, 0, 1e9])
          return `chunk key separator "${enc.configuration.separator}"`
        }
        m.dimension_separator = m.dimension_separator === '/' ? '.' : '/'
        return `dimension_separator "${m.dimension_separator}"`
      }),
  },
  'meta-json-truncated': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) => {
      const file = metaFile(c)
      const text = readFileSync(file)
      writeFileSync(file, text.subarray(0, c.rng.int(1, text.length - 2)))
      if (c.source.format === 'zarr3') truthOf(c).broken = true
      return `${basename(file)} cut short`
    },
  },
  'meta-json-garbage': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) => {
      writeFileSync(metaFile(c), c.rng.bytes(c.rng.int(1, 300)))
      if (c.source.format === 'zarr3') truthOf(c).broken = true
      return `${basename(metaFile(c))} replaced by random bytes`
    },
  },
  'meta-zarr-format': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) =>
      editMeta(c, (m, t) => {
        m.zarr_format = c.source.format === 'zarr3' ? c.rng.pick([2, 4]) : c.rng.pick([1, 3])
        if (t) t.broken = true
        return `zarr_format ${m.zarr_format}`
      }),
  },
  'meta-missing-field': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) =>
      editMeta(c, (m, t) => {
        const fields =
          c.source.format === 'zarr3'
            ? ['shape', 'data_type', 'chunk_grid', 'codecs', 'fill_value', 'chunk_key_encoding']
            : ['shape', 'dtype', 'chunks', 'compressor', 'order', 'zarr_format']
        const field = c.rng.pick(fields)
        delete m[field]
        // Without shape, dtype or chunk grid nothing can be read; the rest a reader may default (the
        // default fill 0, codecs [bytes], "/" keys): then it must give the values those defaults give.
        if (t && ['shape', 'data_type', 'chunk_grid'].includes(field)) t.broken = true
        else if (t) t.eitherBoxes.push([0, 1e9, 0, 1e9, 0, 1e9])
        return `"${field}" removed`
      }),
  },
  'meta-node-type': {
    formats: ['zarr3'],
    per: 1,
    run: (c) =>
      editMeta(c, (m, t) => {
        m.node_type = c.rng.pick(['group', 'table'])
        if (t) t.broken = true
        return `node_type "${m.node_type}"`
      }),
  },
  'attrs-garbage': {
    formats: ['zarr2'],
    per: 2,
    run: (c) => {
      writeFileSync(join(arrayDir(c), '.zattrs'), c.rng.bytes(40))
      return '.zattrs replaced by random bytes'
    },
  },
  'group-meta-garbage': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    applies: (s) => isGroup(s),
    run: (c) => {
      const file = join(c.data, c.source.format === 'zarr3' ? 'zarr.json' : '.zgroup')
      writeFileSync(file, c.rng.bytes(30))
      c.listingEither = true
      if (c.source.format === 'zarr3')
        for (const t of Object.values(c.v3)) t.eitherBoxes.push([0, 1e9, 0, 1e9, 0, 1e9])
      return `the root group's ${basename(file)} replaced by random bytes`
    },
  },
  'nonutf8-array-name': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    applies: (s, t) => (s.allArrays ?? []).filter((a) => a !== t && a !== '').length > 0,
    run: (c) => {
      const other = c.rng.pick((c.source.allArrays ?? []).filter((a) => a !== c.target && a !== ''))
      const from = join(c.data, ...other.split('/'))
      renameSync(from, Buffer.concat([Buffer.from(`${dirname(from)}/`), NON_UTF8]))
      c.renamed = other
      return `array folder ${other} renamed to a name that is not UTF-8`
    },
  },
  'nonutf8-extra-files': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) => {
      const dir = arrayDir(c)
      writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), NON_UTF8]), 'junk')
      mkdirSync(Buffer.concat([Buffer.from(`${c.data}/`), NON_UTF8, Buffer.from('dir')]))
      return 'a file and a folder with names that are not UTF-8, in the array and at the root'
    },
  },
}

// ------------------------------------------------------------------------------ cases from sources

function v3Truths(source: Source): Record<string, V3ArrayTruth> {
  const out: Record<string, V3ArrayTruth> = {}
  for (const [name, a] of Object.entries(source.arrays))
    out[name] = {
      npy: a.truth!,
      view: null,
      byteswap: false,
      shape: [...a.shape],
      dtype: a.dtype,
      fill: a.fill ?? 0,
      fillBoxes: [...(a.missing ?? [])],
      refuseBoxes: [],
      eitherBoxes: [],
      broken: false,
    }
  return out
}

function regionWithin(rng: Rng, shape: number[], chunks: number[] | undefined): Box {
  const out: number[] = []
  for (let d = 0; d < 3; d++) {
    const n = shape[d]!
    const span = Math.max(1, Math.min(n, rng.int(2, Math.max(2, (chunks?.[d] ?? 8) + 3))))
    const start = rng.int(0, n - span)
    out.push(start, start + span)
  }
  return out as Box
}

function commandsFor(
  source: Source,
  rng: Rng,
  shapes: Record<string, number[] | undefined>,
  skip: string | null,
): FuzzCommand[] {
  const commands: FuzzCommand[] = [{ kind: 'list', dataset: null }]
  for (const target of source.targets) {
    if (target === skip) continue
    const a = source.arrays[target]!
    // A shape the mutation claims, when it is a usable one; regions stay inside it and inside the source.
    const claimed = shapes[target]
    const whole =
      claimed && claimed.length === 3 && claimed.every((n) => Number.isInteger(n) && n > 0)
        ? claimed
        : a.shape
    const within = whole.map((n, d) => Math.min(n, a.shape[d]!))
    // Sources of 10^12 voxels hold one written chunk at the origin: read across its far corner.
    const region: Box =
      voxels(a.shape) > 1e9 && within.every((n) => n >= 68)
        ? [60, 68, 60, 68, 0, 8]
        : regionWithin(rng, within, a.chunks)
    commands.push({ kind: 'stats', dataset: target })
    commands.push({ kind: 'read', dataset: target, region })
    if (voxels(whole) <= 1 << 18)
      commands.push({ kind: 'read', dataset: target, region: [0, whole[0]!, 0, whole[1]!, 0, whole[2]!] })
  }
  return commands
}

function v3Listing(source: Source, v3: Record<string, V3ArrayTruth>, renamed: string | null): ListedTruth[] {
  return (source.allArrays ?? []).map((name) => {
    const t = v3[name]!
    if (name === renamed) return { name: '', utf8: false, ok: !t.broken, shape: t.shape, dtype: t.dtype }
    return t.broken
      ? { name, utf8: true, ok: false }
      : { name, utf8: true, ok: true, shape: t.shape, dtype: t.dtype }
  })
}

export interface CasePlan {
  source: string
  mutation: string | null
  target: string
}

/** Every (source, mutation) pair the seed picks: each mutation on at most `per` sources that allow it. */
export function planCases(sources: Source[], seed: number): CasePlan[] {
  const plans: CasePlan[] = sources.map((s) => ({ source: s.id, mutation: null, target: s.targets[0]! }))
  for (const [name, m] of Object.entries(MUTATIONS)) {
    const rng = new Rng(seed, `plan:${name}`)
    const fits = sources.flatMap((s) =>
      m.formats.includes(s.format)
        ? s.targets.filter((t) => !m.applies || m.applies(s, t)).map((t) => ({ source: s.id, target: t }))
        : [],
    )
    const chosen: Array<{ source: string; target: string }> = []
    for (const f of rng.shuffle(fits)) {
      if (chosen.length >= m.per) break
      if (chosen.some((c) => c.source === f.source)) continue
      chosen.push(f)
    }
    for (const c of chosen) plans.push({ source: c.source, mutation: name, target: c.target })
  }
  return plans
}

export function caseId(plan: CasePlan): string {
  return plan.mutation ? `${plan.source}~${plan.mutation}` : `${plan.source}~valid`
}

/**
 * A bounded sample for `npm test`: `valid` unmutated sources and `mutated` mutated ones, spread over the
 * three formats, the same for the same seed.
 */
export function sampleCases(plans: CasePlan[], seed: number, valid: number, mutated: number): CasePlan[] {
  const rng = new Rng(seed, 'sample')
  const take = (pool: CasePlan[], n: number): CasePlan[] => {
    const byFormat = new Map<string, CasePlan[]>()
    for (const p of rng.shuffle(pool)) {
      const f = p.source.split('_')[0]!
      byFormat.set(f, [...(byFormat.get(f) ?? []), p])
    }
    const out: CasePlan[] = []
    for (let i = 0; out.length < n && i < pool.length; i++)
      for (const list of byFormat.values()) if (list[i] && out.length < n) out.push(list[i]!)
    return out
  }
  return [
    ...take(
      plans.filter((p) => !p.mutation),
      valid,
    ),
    ...take(
      plans.filter((p) => p.mutation),
      mutated,
    ),
  ]
}

export interface GenerateOptions {
  dir: string
  seed?: number
  /** Case ids to keep (after planning); all when absent. */
  pick?: (plans: CasePlan[]) => CasePlan[]
}

export interface Corpus {
  dir: string
  seed: number
  cases: FuzzCase[]
}

export async function generateCorpus(options: GenerateOptions): Promise<Corpus> {
  const seed = options.seed ?? DEFAULT_SEED
  const dir = resolve(options.dir)
  const sourcesDir = join(dir, 'sources')
  mkdirSync(sourcesDir, { recursive: true })
  // Plan on the full list of source ids (cheap), then write only the sources the chosen cases need.
  const r = spawnSync(PYTHON, [join(FUZZ_DIR, 'sources.py'), sourcesDir, String(seed)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  })
  if (r.status !== 0) throw new Error(`sources.py failed (${r.status}): ${r.stderr}`)
  const sources = (JSON.parse(r.stdout) as { sources: Source[] }).sources
  sources.push(await writeActiveemSource(sourcesDir, seed))
  const all = planCases(sources, seed)
  const plans = options.pick ? options.pick(all) : all
  const byId = new Map(sources.map((s) => [s.id, s]))
  const cases: FuzzCase[] = []
  for (const plan of plans) {
    const source = byId.get(plan.source)!
    const id = caseId(plan)
    const caseDir = join(dir, 'cases', id)
    rmSync(caseDir, { recursive: true, force: true })
    mkdirSync(caseDir, { recursive: true })
    const data = join(caseDir, source.path)
    cpSync(join(sourcesDir, source.path), data, { recursive: true })
    const rng = new Rng(seed, id)
    const ctx: MutationContext = {
      rng,
      source,
      data,
      target: plan.target,
      v3: source.format === 'zarr3' ? v3Truths(source) : {},
    }
    const detail = plan.mutation ? MUTATIONS[plan.mutation]!.run(ctx) : 'as written'
    const c: FuzzCase = {
      id,
      source: source.id,
      format: source.format,
      mutation: plan.mutation ?? 'valid',
      detail,
      valid: plan.mutation === null,
      data: source.path,
      commands: commandsFor(source, rng, { [plan.target]: ctx.shape }, ctx.renamed ?? null),
    }
    if (source.format === 'zarr3')
      c.v3 = {
        arrays: ctx.v3,
        original: v3Truths(source),
        listing: v3Listing(source, ctx.v3, ctx.renamed ?? null),
        listingEither: !!ctx.listingEither,
      }
    writeJson(join(caseDir, 'case.json'), c)
    cases.push(c)
  }
  writeJson(join(dir, 'corpus.json'), { seed, cases: cases.map((c) => c.id) })
  return { dir, seed, cases }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, seed] = process.argv.slice(2)
  if (!dir) {
    process.stderr.write('usage: node --import tsx resources/fuzz/corpus.ts DIR [SEED]\n')
    process.exit(2)
  }
  const corpus = await generateCorpus({ dir, seed: seed === undefined ? DEFAULT_SEED : Number(seed) })
  const runs = corpus.cases.reduce((n, c) => n + c.commands.length, 0)
  process.stdout.write(`${corpus.cases.length} cases, ${runs} runs, in ${corpus.dir}\n`)
}
