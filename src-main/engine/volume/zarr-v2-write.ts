import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { InputError } from '../errors.ts'
import { allocate, bytesPerElement, NUMPY_DTYPES, type DType, type TypedArray } from './dtype.ts'
import type { Region, Shape3 } from './types.ts'

/**
 * Zarr v2 arrays written chunk by chunk: what OME-NGFF 0.4 and zarr-python 2 read. Each chunk file
 * appears whole or not at all (written beside, then renamed), so a killed writer resumes by skipping
 * the chunks that exist.
 */
export class ZarrV2ArrayWriter {
  readonly grid: Shape3

  private constructor(
    readonly dir: string,
    readonly shape: Shape3,
    readonly chunks: Shape3,
    readonly dtype: DType,
  ) {
    this.grid = shape.map((n, d) => Math.ceil(n / chunks[d]!)) as Shape3
  }

  /** Creates the array, or reopens one an interrupted run created with the same metadata. */
  static openOrCreate(dir: string, shape: Shape3, chunks: Shape3, dtype: DType): ZarrV2ArrayWriter {
    const meta = {
      zarr_format: 2,
      shape,
      chunks,
      dtype: NUMPY_DTYPES[dtype],
      compressor: { id: 'zlib', level: 5 },
      fill_value: 0,
      order: 'C',
      filters: null,
      dimension_separator: '/',
    }
    const path = join(dir, '.zarray')
    const text = JSON.stringify(meta, null, 2)
    if (existsSync(path)) {
      if (readFileSync(path, 'utf8') !== text)
        throw new InputError(
          `${dir}: exists as another array (its .zarray differs); remove it or choose another --out`,
        )
    } else {
      mkdirSync(dir, { recursive: true })
      atomicWrite(path, text)
    }
    return new ZarrV2ArrayWriter(dir, shape, chunks, dtype)
  }

  chunkRegion(cell: Shape3): Region {
    const [z0, y0, x0] = cell.map((c, d) => c * this.chunks[d]!) as Shape3
    return {
      z0,
      y0,
      x0,
      z1: Math.min(this.shape[0], z0 + this.chunks[0]),
      y1: Math.min(this.shape[1], y0 + this.chunks[1]),
      x1: Math.min(this.shape[2], x0 + this.chunks[2]),
    }
  }

  has(cell: Shape3): boolean {
    return existsSync(this.chunkPath(cell))
  }

  /** Writes one chunk from the C-ordered values of its (possibly clipped) region; edges padded with 0. */
  writeChunk(cell: Shape3, values: TypedArray): void {
    const r = this.chunkRegion(cell)
    const [dz, dy, dx] = [r.z1 - r.z0, r.y1 - r.y0, r.x1 - r.x0]
    const [, cy, cx] = this.chunks
    let full = values
    if (dz !== this.chunks[0] || dy !== cy || dx !== cx) {
      full = allocate(this.dtype, this.chunks[0] * cy * cx)
      for (let z = 0; z < dz; z++)
        for (let y = 0; y < dy; y++)
          full.set(values.subarray((z * dy + y) * dx, (z * dy + y + 1) * dx) as never, (z * cy + y) * cx)
    }
    const bytes = new Uint8Array(full.buffer, full.byteOffset, full.length * bytesPerElement(this.dtype))
    const path = this.chunkPath(cell)
    mkdirSync(dirname(path), { recursive: true })
    atomicWrite(path, deflateSync(bytes, { level: 5 }))
  }

  private chunkPath(cell: Shape3): string {
    return join(this.dir, ...cell.map(String))
  }
}

export function atomicWrite(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.part`
  writeFileSync(tmp, data)
  renameSync(tmp, path)
}
