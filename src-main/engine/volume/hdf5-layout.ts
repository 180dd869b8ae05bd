import { MSG, visitMessages } from './hdf5-header.ts'
import type { Cursor, RawHdf5 } from './hdf5-raw.ts'

/** Where a chunked dataset's chunk index lives, in the forms libhdf5 writes. */
export type ChunkIndex =
  | { type: 'btree1'; address: number }
  | { type: 'single'; address: number; storedSize: number | null; filterMask: number }
  | { type: 'implicit'; address: number }
  | { type: 'fixed-array'; address: number }
  | { type: 'extensible-array' | 'btree2'; address: number }

export type Layout =
  | { kind: 'compact' }
  | { kind: 'contiguous'; address: number; size: number }
  /** `chunk` without the trailing element size, which `elementSize` holds. */
  | { kind: 'chunked'; chunk: number[]; elementSize: number; index: ChunkIndex }

export interface DatasetHeader {
  layout: Layout | null
  /** The fill value's bytes as stored; null where the file leaves it at the default (zeros). */
  fill: Buffer | null
}

/** The layout and fill value messages of the object header at `address` (v1 or v2 headers). */
export function readDatasetHeader(raw: RawHdf5, address: number, what: string): DatasetHeader {
  const out: DatasetHeader = { layout: null, fill: null }
  const onMessage = (type: number, body: Cursor): void => {
    if (type === MSG.layout) out.layout = parseLayout(body)
    else if (type === MSG.fill) out.fill = parseFill(body)
    else if (type === MSG.fillOld && out.fill === null) out.fill = parseOldFill(body)
  }
  visitMessages(raw, address, what, onMessage)
  return out
}

function parseLayout(c: Cursor): Layout | null {
  const version = c.u8()
  if (version < 3 || version > 5) return null
  const kind = c.u8()
  if (kind === 0) return { kind: 'compact' }
  if (kind === 1) return { kind: 'contiguous', address: c.address(), size: c.length() }
  if (kind !== 2) return null
  if (version === 3) {
    const dims = c.u8()
    const address = c.address()
    const all = Array.from({ length: dims }, () => c.uint(4))
    return chunked(all, { type: 'btree1', address })
  }
  const flags = c.u8()
  const dims = c.u8()
  const width = c.u8()
  const all = Array.from({ length: dims }, () => c.uint(width))
  const indexType = c.u8()
  let index: ChunkIndex
  if (indexType === 1) {
    const filtered = (flags & 0x02) !== 0
    const storedSize = filtered ? c.length() : null
    const filterMask = filtered ? c.uint(4) : 0
    index = { type: 'single', address: c.address(), storedSize, filterMask }
  } else if (indexType === 2) index = { type: 'implicit', address: c.address() }
  else if (indexType === 3) {
    c.skip(1)
    index = { type: 'fixed-array', address: c.address() }
  } else if (indexType === 4) {
    c.skip(5)
    index = { type: 'extensible-array', address: c.address() }
  } else if (indexType === 5) {
    c.skip(6)
    index = { type: 'btree2', address: c.address() }
  } else return null
  return chunked(all, index)
}

function chunked(all: number[], index: ChunkIndex): Layout {
  return { kind: 'chunked', chunk: all.slice(0, -1), elementSize: all.at(-1) ?? 0, index }
}

function parseFill(c: Cursor): Buffer | null {
  const version = c.u8()
  if (version === 1 || version === 2) {
    c.skip(2)
    const defined = c.u8()
    if (version === 2 && defined !== 1) return null
    const size = c.uint(4)
    return size > 0 ? Buffer.from(c.bytes(size)) : null
  }
  if (version === 3) {
    const flags = c.u8()
    if (!(flags & 0x20)) return null
    const size = c.uint(4)
    return size > 0 ? Buffer.from(c.bytes(size)) : null
  }
  return null
}

function parseOldFill(c: Cursor): Buffer | null {
  const size = c.uint(4)
  return size > 0 ? Buffer.from(c.bytes(size)) : null
}
