import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { InputError } from '../errors.ts'
import { findHdf5Superblock } from './detect.ts'

/**
 * Bounded reads of an HDF5 file's own structures, for the few facts libhdf5 (through h5wasm) does
 * not hand out: where a dataset's chunks are, how large each is stored, its fill value. Every read
 * is checked against the file's end, so a lying address is an error, never a read of zeros.
 */
export interface RawHdf5 {
  /** How errors name the file: its path, or the dataset being read. */
  readonly path: string
  /** Address 0 of the file's own addresses: the superblock's base address. */
  readonly base: number
  readonly offsetSize: number
  readonly lengthSize: number
  /** Where the superblock says the file ends (relative to base), when it says. */
  readonly endOfFile: number | null
  readonly fileSize: number
  /** The root group's object header. */
  readonly rootGroup: number
  read(address: number, length: number, what: string): Buffer
  isUndefined(address: number): boolean
  close(): void
}

export function openRawHdf5(path: string, name = path): RawHdf5 {
  const at = findHdf5Superblock(path)
  if (at === null) throw new InputError(`${path}: not an HDF5 file (no HDF5 signature)`)
  const fd = openSync(path, 'r')
  try {
    const fileSize = fstatSync(fd).size
    const head = Buffer.alloc(128)
    readSync(fd, head, 0, 128, at)
    const layout = superblockLayout(head)
    if (!layout)
      throw new InputError(
        `${path}: damaged or unsupported HDF5 superblock (version ${head[8]}, offsets of ${head[13]}/${head[9]} bytes)`,
      )
    const { offsetSize, lengthSize, pos } = layout
    const word = (p: number): number =>
      offsetSize === 8 ? Number(head.readBigUInt64LE(p)) : head.readUInt32LE(p)
    const base = word(pos)
    // v0/1: base, free-space, end-of-file; v2/3: base, extension, end-of-file.
    const eof = word(pos + 2 * offsetSize)
    // v0/1: then the driver block and the root's symbol table entry (name offset, header); v2/3: the header.
    const rootGroup = word(pos + (layout.version < 2 ? 5 : 3) * offsetSize)
    const undefinedAddress = offsetSize === 8 ? 2 ** 64 - 1 : 2 ** 32 - 1
    return {
      path: name,
      base,
      offsetSize,
      lengthSize,
      endOfFile: eof >= undefinedAddress ? null : eof,
      fileSize,
      rootGroup,
      isUndefined: (address) => address >= undefinedAddress,
      read(address, length, what) {
        const start = base + address
        if (address >= undefinedAddress || start + length > fileSize || length < 0)
          throw new InputError(
            `${name}: damaged ${what}: it lies at byte ${start}, length ${length}, past the file's end (${fileSize} bytes)`,
          )
        const buf = Buffer.alloc(length)
        readSync(fd, buf, 0, length, start)
        return buf
      },
      close: () => closeSync(fd),
    }
  } catch (e) {
    closeSync(fd)
    throw e
  }
}

function superblockLayout(
  head: Buffer,
): { version: number; offsetSize: number; lengthSize: number; pos: number } | null {
  const version = head[8]!
  const sizes =
    version === 0 || version === 1
      ? { version, offsetSize: head[13]!, lengthSize: head[14]!, pos: version === 0 ? 24 : 28 }
      : version === 2 || version === 3
        ? { version, offsetSize: head[9]!, lengthSize: head[10]!, pos: 12 }
        : null
  if (!sizes) return null
  const ok = (n: number): boolean => n === 2 || n === 4 || n === 8
  return ok(sizes.offsetSize) && ok(sizes.lengthSize) ? sizes : null
}

/** A little-endian cursor over one structure read from the file; reading past it is the structure's damage. */
export class Cursor {
  constructor(
    readonly buf: Buffer,
    public at: number,
    private readonly raw: RawHdf5,
    private readonly what: string,
  ) {}

  private need(n: number): void {
    if (this.at + n > this.buf.length)
      throw new InputError(`${this.raw.path}: damaged ${this.what}: it ends before its fields do`)
  }

  u8(): number {
    this.need(1)
    return this.buf[this.at++]!
  }

  uint(n: number): number {
    this.need(n)
    let v = 0
    for (let i = n - 1; i >= 0; i--) v = v * 256 + this.buf[this.at + i]!
    this.at += n
    return v
  }

  address(): number {
    return this.uint(this.raw.offsetSize)
  }

  length(): number {
    return this.uint(this.raw.lengthSize)
  }

  bytes(n: number): Buffer {
    this.need(n)
    const out = this.buf.subarray(this.at, this.at + n)
    this.at += n
    return out
  }

  skip(n: number): void {
    this.need(n)
    this.at += n
  }

  signature(expected: string): void {
    const got = this.bytes(4).toString('latin1')
    if (got !== expected)
      throw new InputError(
        `${this.raw.path}: damaged ${this.what}: signature ${JSON.stringify(got)}, expected ${expected}`,
      )
  }
}
