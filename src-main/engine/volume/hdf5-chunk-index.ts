import { InputError } from '../errors.ts'
import type { ChunkIndex } from './hdf5-layout.ts'
import { Cursor, type RawHdf5 } from './hdf5-raw.ts'

/** One allocated chunk: its grid cell (element offset / chunk shape) and, where the index says, its stored bytes. */
export interface StoredChunk {
  cell: number[]
  storedSize: number | null
  filterMask: number
}

export interface IndexContext {
  raw: RawHdf5
  /** For messages: the dataset as the user named it. */
  spec: string
  chunk: number[]
  /** The dataset's maximum shape, which the fixed array's numbering follows. */
  maxShape: number[]
}

/**
 * The allocated chunks of a chunked dataset, or null where the index is one this reader does not walk
 * (extensible array, v2 B-tree: datasets with unlimited dimensions) or has every chunk (implicit).
 * h5py's default files (v1 B-tree) and `libver="latest"` fixed-shape files (fixed array) are walked.
 */
export function storedChunks(ctx: IndexContext, index: ChunkIndex): StoredChunk[] | null {
  switch (index.type) {
    case 'btree1':
      return ctx.raw.isUndefined(index.address) ? [] : btree1Chunks(ctx, index.address)
    case 'single':
      return ctx.raw.isUndefined(index.address)
        ? []
        : [{ cell: ctx.chunk.map(() => 0), storedSize: index.storedSize, filterMask: index.filterMask }]
    case 'fixed-array':
      return ctx.raw.isUndefined(index.address) ? [] : fixedArrayChunks(ctx, index.address)
    default:
      return null
  }
}

function damaged(ctx: IndexContext, what: string): InputError {
  return new InputError(`${ctx.spec}: damaged chunk index: ${what}`)
}

/** Version 1 B-tree of raw-data chunks (node type 1): h5py's and libhdf5's default. */
function btree1Chunks(ctx: IndexContext, root: number): StoredChunk[] {
  const { raw, chunk } = ctx
  const rank = chunk.length
  const keySize = 8 + 8 * (rank + 1)
  const out: StoredChunk[] = []
  const seen = new Set<number>()
  const visit = (address: number, expectedLevel: number | null): void => {
    if (seen.has(address)) throw damaged(ctx, `B-tree node at ${address} is reached twice`)
    seen.add(address)
    const prefix = 8 + 2 * raw.offsetSize
    const head = new Cursor(
      raw.read(address, prefix, 'chunk index (B-tree node)'),
      0,
      raw,
      'chunk index (B-tree node)',
    )
    head.signature('TREE')
    const type = head.u8()
    const level = head.u8()
    const entries = head.uint(2)
    if (type !== 1) throw damaged(ctx, `B-tree node at ${address} has type ${type}, expected 1 (chunks)`)
    if (expectedLevel !== null && level !== expectedLevel)
      throw damaged(ctx, `B-tree node at ${address} is at level ${level}, its parent says ${expectedLevel}`)
    const body = raw.read(
      address + prefix,
      entries * (keySize + raw.offsetSize) + keySize,
      'chunk index (B-tree node)',
    )
    const c = new Cursor(body, 0, raw, 'chunk index (B-tree node)')
    for (let i = 0; i < entries; i++) {
      const storedSize = c.uint(4)
      const filterMask = c.uint(4)
      const offsets = Array.from({ length: rank + 1 }, () => c.uint(8))
      const child = c.address()
      if (level > 0) {
        visit(child, level - 1)
        continue
      }
      const cell = offsets.slice(0, rank).map((o, d) => o / chunk[d]!)
      if (cell.some((v) => !Number.isInteger(v)))
        throw damaged(ctx, `chunk offset [${offsets.slice(0, rank).join(', ')}] is not on the chunk grid`)
      out.push({ cell, storedSize, filterMask })
    }
  }
  visit(root, null)
  return out
}

/** Fixed array (libhdf5 1.10+ with libver latest, no unlimited dimension): one entry per chunk cell. */
function fixedArrayChunks(ctx: IndexContext, address: number): StoredChunk[] {
  const { raw, chunk, maxShape } = ctx
  const h = new Cursor(
    raw.read(address, 12 + raw.lengthSize + raw.offsetSize, 'chunk index (fixed array header)'),
    0,
    raw,
    'chunk index (fixed array header)',
  )
  h.signature('FAHD')
  h.skip(1)
  const client = h.u8()
  const entrySize = h.u8()
  const pageBits = h.u8()
  const entries = h.length()
  const dataBlock = h.address()
  const grid = maxShape.map((s, d) => Math.ceil(s / chunk[d]!))
  const cells = grid.reduce((a, b) => a * b, 1)
  if (entries !== cells)
    throw damaged(ctx, `the fixed array holds ${entries} entries, the maximum shape needs ${cells}`)
  const filtered = client === 1
  const sizeBytes = entrySize - raw.offsetSize - (filtered ? 4 : 0)
  if (client > 1 || sizeBytes < 0 || (!filtered && sizeBytes !== 0))
    throw damaged(ctx, `fixed array entries of ${entrySize} bytes for client ${client}`)
  if (raw.isUndefined(dataBlock)) return []
  const perPage = 2 ** pageBits
  const paged = entries > perPage
  const pages = paged ? Math.ceil(entries / perPage) : 0
  const bitmapBytes = Math.ceil(pages / 8)
  const prefix = 6 + raw.offsetSize + bitmapBytes + 4
  const head = new Cursor(
    raw.read(dataBlock, prefix, 'chunk index (fixed array data block)'),
    0,
    raw,
    'chunk index (fixed array data block)',
  )
  head.signature('FADB')
  head.skip(2 + raw.offsetSize)
  const bitmap = head.bytes(bitmapBytes)
  const out: StoredChunk[] = []
  const take = (buf: Buffer, first: number, count: number): void => {
    const c = new Cursor(buf, 0, raw, 'chunk index (fixed array entries)')
    for (let i = 0; i < count; i++) {
      const chunkAddress = c.address()
      const storedSize = filtered ? c.uint(sizeBytes) : null
      const filterMask = filtered ? c.uint(4) : 0
      if (!raw.isUndefined(chunkAddress)) out.push({ cell: unravel(first + i, grid), storedSize, filterMask })
    }
  }
  if (!paged) {
    const at = dataBlock + 6 + raw.offsetSize
    take(raw.read(at, entries * entrySize, 'chunk index (fixed array entries)'), 0, entries)
    return out
  }
  const pageBytes = perPage * entrySize + 4
  for (let p = 0; p < pages; p++) {
    if (!((bitmap[p >> 3]! >> (7 - (p & 7))) & 1)) continue
    const count = Math.min(perPage, entries - p * perPage)
    take(
      raw.read(dataBlock + prefix + p * pageBytes, count * entrySize, 'chunk index (fixed array page)'),
      p * perPage,
      count,
    )
  }
  return out
}

function unravel(index: number, grid: number[]): number[] {
  const cell = new Array<number>(grid.length)
  for (let d = grid.length - 1; d >= 0; d--) {
    cell[d] = index % grid[d]!
    index = Math.floor(index / grid[d]!)
  }
  return cell
}
