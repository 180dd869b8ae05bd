import { InputError } from '../errors.ts'
import { MSG, visitMessages } from './hdf5-header.ts'
import { Cursor, type RawHdf5 } from './hdf5-raw.ts'

/**
 * Link names as the file stores them, bytes and all. h5wasm hands names over as UTF-8 text and
 * mangles any other bytes, so a dataset named in Latin-1 (common in older files) could be listed
 * but never opened; with its name's own bytes h5wasm opens it fine.
 */
export interface RawObject {
  /** Path segments from the root, as stored. */
  path: Buffer[]
  address: number
  isGroup: boolean
}

/** Groups deeper than this, or more objects than this, are not something h5py writes: a loop is damage. */
const MAX_DEPTH = 64
const MAX_OBJECTS = 100_000

/**
 * Every object under the root by its stored path, or null where a group keeps its links in dense
 * storage (a fractal heap: more than 8 links in a libver="latest" file), which this walk does not read.
 */
export function rawObjects(raw: RawHdf5): RawObject[] | null {
  const out: RawObject[] = []
  const visit = (address: number, path: Buffer[], seen: Set<number>): boolean => {
    if (seen.has(address) || path.length > MAX_DEPTH || out.length > MAX_OBJECTS) return true
    const links = groupLinks(raw, address, path)
    if (links === null) return false
    for (const link of links) {
      const child = [...path, link.name]
      const isGroup = isGroupHeader(raw, link.address, child)
      out.push({ path: child, address: link.address, isGroup })
      if (isGroup && !visit(link.address, child, new Set([...seen, address]))) return false
    }
    return true
  }
  return visit(raw.rootGroup, [], new Set()) ? out : null
}

function label(path: Buffer[]): string {
  return `group /${Buffer.concat(path.flatMap((p, i) => (i ? [Buffer.from('/'), p] : [p]))).toString('latin1')}`
}

function isGroupHeader(raw: RawHdf5, address: number, path: Buffer[]): boolean {
  let group = false
  visitMessages(raw, address, label(path), (type) => {
    if (type === MSG.symbolTable || type === MSG.linkInfo || type === MSG.link) group = true
  })
  return group
}

interface RawLink {
  name: Buffer
  address: number
}

/** The hard links of one group: its symbol table (old style) or its link messages (compact new style). */
function groupLinks(raw: RawHdf5, address: number, path: Buffer[]): RawLink[] | null {
  const what = label(path)
  let table: { btree: number; heap: number } | null = null
  let dense = false
  const links: RawLink[] = []
  visitMessages(raw, address, what, (type, body) => {
    if (type === MSG.symbolTable) table = { btree: body.address(), heap: body.address() }
    else if (type === MSG.linkInfo) dense = denseStorage(raw, body)
    else if (type === MSG.link) {
      const link = parseLink(body)
      if (link) links.push(link)
    }
  })
  if (table) return symbolTableLinks(raw, table, what)
  return dense ? null : links
}

function denseStorage(raw: RawHdf5, c: Cursor): boolean {
  c.skip(1)
  const flags = c.u8()
  if (flags & 1) c.skip(8)
  return !raw.isUndefined(c.address())
}

/** A link message; soft and external links point at no object of this file and are passed over. */
function parseLink(c: Cursor): RawLink | null {
  c.skip(1)
  const flags = c.u8()
  const type = flags & 0x08 ? c.u8() : 0
  if (flags & 0x04) c.skip(8)
  if (flags & 0x10) c.skip(1)
  const length = c.uint(1 << (flags & 3))
  const name = Buffer.from(c.bytes(length))
  return type === 0 ? { name, address: c.address() } : null
}

/** Old-style group: a v1 B-tree (node type 0) of symbol table nodes, names in a local heap. */
function symbolTableLinks(raw: RawHdf5, table: { btree: number; heap: number }, what: string): RawLink[] {
  const heap = new Cursor(raw.read(table.heap, 8 + 2 * raw.lengthSize + raw.offsetSize, what), 0, raw, what)
  heap.signature('HEAP')
  heap.skip(4)
  const heapSize = heap.length()
  heap.skip(raw.lengthSize)
  const names = raw.read(heap.address(), heapSize, `${what} (local heap)`)
  const nameAt = (offset: number): Buffer => {
    const end = names.indexOf(0, offset)
    if (offset >= names.length || end < 0)
      throw new InputError(`${raw.path}: damaged ${what}: a name lies outside its heap`)
    return Buffer.from(names.subarray(offset, end))
  }
  const out: RawLink[] = []
  const seen = new Set<number>()
  const node = (address: number): void => {
    if (seen.has(address))
      throw new InputError(`${raw.path}: damaged ${what}: a B-tree node is reached twice`)
    seen.add(address)
    const prefix = 8 + 2 * raw.offsetSize
    const head = new Cursor(raw.read(address, prefix, what), 0, raw, what)
    head.signature('TREE')
    head.skip(1)
    const level = head.u8()
    const entries = head.uint(2)
    const body = new Cursor(
      raw.read(address + prefix, entries * (raw.lengthSize + raw.offsetSize) + raw.lengthSize, what),
      0,
      raw,
      what,
    )
    for (let i = 0; i < entries; i++) {
      body.skip(raw.lengthSize)
      const child = body.address()
      if (level > 0) node(child)
      else out.push(...symbolNode(raw, child, what, nameAt))
    }
  }
  node(table.btree)
  return out
}

function symbolNode(
  raw: RawHdf5,
  address: number,
  what: string,
  nameAt: (offset: number) => Buffer,
): RawLink[] {
  const head = new Cursor(raw.read(address, 8, what), 0, raw, what)
  head.signature('SNOD')
  head.skip(2)
  const count = head.uint(2)
  const entry = 2 * raw.offsetSize + 24
  const c = new Cursor(raw.read(address + 8, count * entry, what), 0, raw, what)
  const out: RawLink[] = []
  for (let i = 0; i < count; i++) {
    const name = nameAt(c.address())
    const header = c.address()
    // Cache type 2 is a soft link: a path, not an object of its own.
    const cache = c.uint(4)
    c.skip(20)
    if (cache !== 2 && !raw.isUndefined(header)) out.push({ name, address: header })
  }
  return out
}
