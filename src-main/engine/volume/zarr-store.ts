import { promises as fs } from 'node:fs'
import { InputError } from '../errors.ts'
import { requireWithinBudget } from './budget.ts'
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

  async get(key: string): Promise<Uint8Array | undefined> {
    let handle: fs.FileHandle
    try {
      handle = await fs.open(this.path(key), 'r')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw this.fail(key, `cannot open (${(e as NodeJS.ErrnoException).code})`)
    }
    try {
      const { size } = await handle.stat()
      requireWithinBudget(this.spec, `chunk file ${key.replace(/^\//, '')}`, size)
      const data = Buffer.alloc(size)
      const { bytesRead } = await handle.read(data, 0, size, 0)
      if (bytesRead !== size) throw this.fail(key, `read ${bytesRead} of ${size} bytes`)
      return data
    } finally {
      await handle.close()
    }
  }

  async getRange(key: string, range: Range): Promise<Uint8Array | undefined> {
    let handle: fs.FileHandle
    try {
      handle = await fs.open(this.path(key), 'r')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw this.fail(key, `cannot open (${(e as NodeJS.ErrnoException).code})`)
    }
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
      const data = Buffer.alloc(length)
      const { bytesRead } = await handle.read(data, 0, length, offset)
      if (bytesRead !== length) throw this.fail(key, `read ${bytesRead} of ${length} bytes`)
      return data
    } finally {
      await handle.close()
    }
  }
}
