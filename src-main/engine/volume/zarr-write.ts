import { existsSync, mkdirSync, promises as fsp } from 'node:fs'
import { hostname } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { threadId } from 'node:worker_threads'
import * as zarr from 'zarrita'
import FileSystemStore from '@zarrita/storage/fs'
import type { DType, TypedArray } from './dtype.ts'
import { registerCheckedCodecs } from './zarr-codecs.ts'
import type { Region, Shape3 } from './types.ts'

// Gzip encodes through Node's zlib, registered with the readers' codecs.
registerCheckedCodecs()

export type ZarrCompression = 'zstd' | 'gzip' | 'none'

export interface ZarrArrayOptions {
  shape: Shape3
  chunks: Shape3
  dtype: DType
  compression?: ZarrCompression
  attributes?: Record<string, unknown>
  fillValue?: number
}

function codecsFor(compression: ZarrCompression): zarr.CodecMetadata[] {
  const codecs: zarr.CodecMetadata[] = [{ name: 'bytes', configuration: { endian: 'little' } }]
  if (compression === 'zstd') codecs.push({ name: 'zstd', configuration: { level: 3, checksum: false } })
  if (compression === 'gzip') codecs.push({ name: 'gzip', configuration: { level: 5 } })
  return codecs
}

/**
 * Every file appears whole or not at all (written beside, then renamed): the processes of a block job
 * create the same metadata at once and must never read one another's half-written zarr.json, and a
 * killed writer leaves no torn chunk. The temporary name is unique per host, process and thread.
 */
class AtomicFileSystemStore extends FileSystemStore {
  private written = 0

  override async set(key: string, value: Uint8Array): Promise<void> {
    const path = join(this.root, key.replace(/^\//, ''))
    await fsp.mkdir(dirname(path), { recursive: true })
    const tmp = `${path}.${hostname()}.${process.pid}.${threadId}.${this.written++}.part`
    await fsp.writeFile(tmp, value)
    await fsp.rename(tmp, path)
  }
}

/** A Zarr v3 store (a folder) with groups created on demand. */
export class ZarrV3Writer {
  private readonly store: FileSystemStore

  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true })
    this.store = new AtomicFileSystemStore(resolve(root))
  }

  async group(path = '', attributes: Record<string, unknown> = {}): Promise<void> {
    const location = path === '' ? zarr.root(this.store) : zarr.root(this.store).resolve(path)
    await zarr.create(location, { attributes })
  }

  /** Reopens an array an interrupted job created (resume), or creates it. */
  async openOrCreate(path: string, options: ZarrArrayOptions): Promise<ZarrArrayWriter> {
    if (!existsSync(join(this.root, path, 'zarr.json'))) return this.array(path, options)
    const arr = await zarr.open(zarr.root(this.store).resolve(path), { kind: 'array' })
    if (arr.shape.join(',') !== options.shape.join(',') || arr.dtype !== options.dtype) {
      throw new Error(
        `${this.root}#${path}: exists with shape [${arr.shape}] ${arr.dtype}, expected [${options.shape}] ${options.dtype}`,
      )
    }
    return new ZarrArrayWriter(arr as unknown as zarr.Array<DType, FileSystemStore>)
  }

  async array(path: string, options: ZarrArrayOptions): Promise<ZarrArrayWriter> {
    const parts = path.split('/')
    for (let i = 0; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/')
      if (!existsSync(join(this.root, parent, 'zarr.json'))) await this.group(parent)
    }
    const arr = await zarr.create(zarr.root(this.store).resolve(path), {
      shape: options.shape,
      chunkShape: options.chunks,
      dtype: options.dtype,
      codecs: codecsFor(options.compression ?? 'zstd'),
      fillValue: options.fillValue ?? 0,
      dimensionNames: ['z', 'y', 'x'],
      attributes: options.attributes ?? {},
    } as Parameters<typeof zarr.create>[1] & { dtype: DType })
    return new ZarrArrayWriter(arr as unknown as zarr.Array<DType, FileSystemStore>)
  }
}

export class ZarrArrayWriter {
  constructor(private readonly arr: zarr.Array<DType, FileSystemStore>) {}

  /** Writes a C-ordered block; chunk-aligned regions avoid read-modify-write of partial chunks. */
  async writeRegion(r: Region, data: TypedArray): Promise<void> {
    const shape = [r.z1 - r.z0, r.y1 - r.y0, r.x1 - r.x0]
    const stride = [shape[1]! * shape[2]!, shape[2]!, 1]
    await zarr.set(this.arr, [zarr.slice(r.z0, r.z1), zarr.slice(r.y0, r.y1), zarr.slice(r.x0, r.x1)], {
      data,
      shape,
      stride,
    } as unknown as zarr.Chunk<DType>)
  }
}
