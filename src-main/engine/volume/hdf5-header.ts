import { InputError } from '../errors.ts'
import { Cursor, type RawHdf5 } from './hdf5-raw.ts'

/** The object header message types we read (HDF5 spec, IV.A.2). */
export const MSG = {
  linkInfo: 0x02,
  fillOld: 0x04,
  fill: 0x05,
  link: 0x06,
  layout: 0x08,
  continuation: 0x10,
  symbolTable: 0x11,
} as const

export type OnMessage = (type: number, body: Cursor) => void

/** Every message of the object header at `address` (v1 or v2 headers, through their continuations). */
export function visitMessages(raw: RawHdf5, address: number, what: string, onMessage: OnMessage): void {
  const first = raw.read(address, 16, `object header of ${what}`)
  if (first.toString('latin1', 0, 4) === 'OHDR') walkV2(raw, address, what, onMessage)
  else if (first[0] === 1) walkV1(raw, address, what, onMessage)
  else throw new InputError(`${raw.path}: damaged object header of ${what} (version ${first[0]})`)
}

/** Object headers seldom have more than a few continuation blocks; a loop of them is damage. */
const MAX_BLOCKS = 1024

function walkV1(raw: RawHdf5, address: number, what: string, onMessage: OnMessage): void {
  const label = `object header of ${what}`
  const head = new Cursor(raw.read(address, 16, label), 0, raw, label)
  head.skip(2)
  let remaining = head.uint(2)
  head.skip(4)
  const size = head.uint(4)
  const blocks: Array<[number, number]> = [[address + 16, size]]
  for (let b = 0; b < blocks.length && remaining > 0; b++) {
    if (b >= MAX_BLOCKS) throw new InputError(`${raw.path}: damaged ${label}: too many continuation blocks`)
    const [at, length] = blocks[b]!
    const c = new Cursor(raw.read(at, length, label), 0, raw, label)
    while (c.at + 8 <= length && remaining > 0) {
      const type = c.uint(2)
      const bytes = c.uint(2)
      c.skip(4)
      const body = new Cursor(c.bytes(bytes), 0, raw, `${label} (message ${type})`)
      remaining--
      if (type === MSG.continuation) blocks.push([body.address(), body.length()])
      else onMessage(type, body)
    }
  }
}

function walkV2(raw: RawHdf5, address: number, what: string, onMessage: OnMessage): void {
  const label = `object header of ${what}`
  const head = new Cursor(raw.read(address, 40, label), 4, raw, label)
  const version = head.u8()
  if (version !== 2) throw new InputError(`${raw.path}: damaged ${label} (OHDR version ${version})`)
  const flags = head.u8()
  if (flags & 0x20) head.skip(16)
  if (flags & 0x10) head.skip(4)
  const size = head.uint(1 << (flags & 3))
  const order = (flags & 0x04) !== 0
  // The first block's messages start right after its prefix; continuation blocks after "OCHK".
  const blocks: Array<[number, number, number]> = [[address, head.at + size, head.at]]
  for (let b = 0; b < blocks.length; b++) {
    if (b >= MAX_BLOCKS) throw new InputError(`${raw.path}: damaged ${label}: too many continuation blocks`)
    const [at, length, start] = blocks[b]!
    const buf = raw.read(at, length + 4, label)
    if (b > 0 && buf.toString('latin1', 0, 4) !== 'OCHK')
      throw new InputError(`${raw.path}: damaged ${label}: continuation block without its signature`)
    const c = new Cursor(buf.subarray(0, length), start, raw, label)
    const header = order ? 6 : 4
    while (c.at + header <= length) {
      const type = c.u8()
      const bytes = c.uint(2)
      c.skip(header - 3)
      const body = new Cursor(c.bytes(bytes), 0, raw, `${label} (message ${type})`)
      if (type === MSG.continuation) {
        const next = body.address()
        // A v2 continuation's length counts its "OCHK" and checksum.
        const total = body.length()
        blocks.push([next, total - 4, 4])
      } else onMessage(type, body)
    }
  }
}
