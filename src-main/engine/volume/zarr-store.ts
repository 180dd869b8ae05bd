import { promises as fs } from 'node:fs'
import { InputError } from '../errors.ts'
import { requireWithinBudget } from './budget.ts'
import type { StoredValues } from './zarr-direct.ts'
import type { FsPath } from './zarr-meta.ts'

type Range = { offset: number; length: number } | { suffixLength: number }

/**
 * A read-only store on one array's folder. Unlike @zarrita/storage/fs it refuses what would be
 * silently wrong: a range past the end of a shard file (that store pads it with zeros) and a file
 * larger than the memory budget. Its root is bytes, so folders with non-UTF-8 names open too.
 */
export class CheckedFileStore {
  private readonly root: Buffer

  constructor(
    root: FsPath,
    private readonly spec: string,
  ) {
    this.root = Buffer.from(root)
  }

  private path(key: string): Buffer {
    return Buffer.concat([this.root, Buffer.from(key.startsWith('/') ? key : `/${key}`, 'utf8')])
  }

  private fail(key: string, what: string): InputError {
    return new InputError(`${this.spec}: chunk ${key.replace(/^\//, '')}: ${what}`)
  }

  /** The file's handle, or undefined when it does not exist: an absent chunk is the fill value. */
  private async open(key: string): Promise<fs.FileHandle | undefined> {
    try {
      return await fs.open(this.path(key), 'r')
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return undefined
      throw this.fail(key, `cannot open (${code})`)
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const primed = this.primed.get(key.replace(/^\//, ''))
    if (primed) {
      this.primed.delete(key.replace(/^\//, ''))
      return primed
    }
    const handle = await this.open(key)
    if (!handle) return undefined
    try {
      const { size } = await handle.stat()
      requireWithinBudget(this.spec, `chunk file ${key.replace(/^\//, '')}`, size)
      return await this.read(handle, key, 0, size)
    } finally {
      await handle.close()
    }
  }

  private async read(handle: fs.FileHandle, key: string, offset: number, length: number): Promise<Buffer> {
    // Not zero-filled (a tenth of a read's time): every byte is read over, or the read fails below.
    // Its own memory, not the shared pool, so a decode worker can be handed it.
    const data = Buffer.allocUnsafeSlow(length)
    await this.readInto(handle, key, offset, data)
    return data
  }

  private async readInto(
    handle: fs.FileHandle,
    key: string,
    offset: number,
    into: Uint8Array,
  ): Promise<void> {
    const { bytesRead } = await handle.read(into, 0, into.length, offset)
    if (bytesRead !== into.length) throw this.fail(key, `read ${bytesRead} of ${into.length} bytes`)
  }

  /** Files already read by readStored for the get that follows it, by key. */
  private readonly primed = new Map<string, Buffer>()

  /**
   * Reads chunk `key` straight into `into` when its bytes are its values: `values` says where they
   * start from the file's first 16 bytes and size, and they must fill `into` exactly. Otherwise the
   * whole file is kept for the next get of that key (one read either way) and this returns false,
   * as it does for an absent file.
   */
  async readStored(key: string, into: Uint8Array, values: StoredValues): Promise<boolean> {
    const handle = await this.open(key)
    if (!handle) return false
    try {
      const { size } = await handle.stat()
      requireWithinBudget(this.spec, `chunk file ${key}`, size)
      const head = await this.read(handle, key, 0, Math.min(16, size))
      const start = values(head, size)
      if (start !== null && size - start === into.length) {
        await this.readInto(handle, key, start, into)
        return true
      }
      this.primed.set(key, await this.read(handle, key, 0, size))
      return false
    } finally {
      await handle.close()
    }
  }

  async getRange(key: string, range: Range): Promise<Uint8Array | undefined> {
    const handle = await this.open(key)
    if (!handle) return undefined
    try {
      const { size } = await handle.stat()
      const [offset, length] =
        'suffixLength' in range
          ? [size - range.suffixLength, range.suffixLength]
          : [range.offset, range.length]
      if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > size)
        throw this.fail(
          key,
          `the shard index points at bytes ${offset}..${offset + length}, past the file's ${size} bytes`,
        )
      requireWithinBudget(this.spec, `a range of shard ${key.replace(/^\//, '')}`, length)
      return await this.read(handle, key, offset, length)
    } finally {
      await handle.close()
    }
  }
}
