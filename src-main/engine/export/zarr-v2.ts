import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { allocate, bytesPerElement, NUMPY_DTYPES, type TypedArray } from '../volume/index.ts'
import type { ArrayOut, ArraySpec, DataSink } from './sink.ts'

/**
 * Zarr v2, written by hand: zarrita writes only v3, and the field's Python tools (zarr-python 2) read
 * only v2. Chunks are zlib-compressed (numcodecs' 'zlib' id), keys use the default '.' separator.
 */
const LEVEL = 5

export class ZarrV2Sink implements DataSink {
  readonly format = 'zarr' as const

  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true })
    writeJson(join(root, '.zgroup'), { zarr_format: 2 })
  }

  group(path: string, attributes: Record<string, unknown> = {}): void {
    const dir = this.ensureParents(path)
    writeJson(join(dir, '.zgroup'), { zarr_format: 2 })
    if (Object.keys(attributes).length > 0) writeJson(join(dir, '.zattrs'), attributes)
  }

  array(path: string, spec: ArraySpec): ArrayOut {
    const dir = this.ensureParents(path)
    writeJson(join(dir, '.zarray'), {
      zarr_format: 2,
      shape: spec.shape,
      chunks: spec.chunks,
      dtype: NUMPY_DTYPES[spec.dtype],
      compressor: { id: 'zlib', level: LEVEL },
      fill_value: 0,
      order: 'C',
      filters: null,
    })
    writeJson(join(dir, '.zattrs'), spec.attributes ?? {})
    return new ZarrV2Array(dir, spec)
  }

  close(): void {}

  /** Every folder above an array or group is a group, as zarr-python expects when it walks the tree. */
  private ensureParents(path: string): string {
    const parts = path.split('/').filter(Boolean)
    for (let i = 1; i < parts.length; i++) {
      const dir = join(this.root, ...parts.slice(0, i))
      mkdirSync(dir, { recursive: true })
      writeJson(join(dir, '.zgroup'), { zarr_format: 2 })
    }
    const dir = join(this.root, ...parts)
    mkdirSync(dir, { recursive: true })
    return dir
  }
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`)
}

class ZarrV2Array implements ArrayOut {
  constructor(
    private readonly dir: string,
    private readonly spec: ArraySpec,
  ) {}

  /**
   * Writes a box whose start lies on the chunk grid and whose end does too (or is the array's edge);
   * each chunk is padded to its full shape with the fill value, as v2 stores edge chunks.
   */
  writeBox(start: readonly number[], shape: readonly number[], data: TypedArray): void {
    const { chunks } = this.spec
    const rank = chunks.length
    if (rank > 3) throw new Error(`zarr v2 write: rank ${rank} arrays are not supported (at most 3)`)
    for (let d = 0; d < rank; d++) {
      const end = start[d]! + shape[d]!
      if (start[d]! % chunks[d]! !== 0 || (end % chunks[d]! !== 0 && end !== this.spec.shape[d]))
        throw new Error(`zarr v2 write: box [${start}] + [${shape}] is not on the chunk grid [${chunks}]`)
    }
    const counts = shape.map((s, d) => Math.ceil(s / chunks[d]!))
    const index = new Array<number>(rank).fill(0)
    const total = counts.reduce((a, b) => a * b, 1)
    for (let k = 0; k < total; k++) {
      let rest = k
      for (let d = rank - 1; d >= 0; d--) {
        index[d] = rest % counts[d]!
        rest = Math.floor(rest / counts[d]!)
      }
      this.writeChunk(start, shape, data, index)
    }
  }

  private writeChunk(
    start: readonly number[],
    shape: readonly number[],
    data: TypedArray,
    index: number[],
  ): void {
    const { chunks, dtype } = this.spec
    const rank = chunks.length
    const chunk = allocate(
      dtype,
      chunks.reduce((a, b) => a * b, 1),
    )
    // Offsets of this chunk inside the box, and how much of it the box covers.
    const off = index.map((i, d) => i * chunks[d]!)
    const ext = off.map((o, d) => Math.min(chunks[d]!, shape[d]! - o))
    // Copy row by row along the last axis; ranks 1 to 3 are padded to 3 with leading ones.
    const pad = 3 - rank
    const e = [...new Array<number>(pad).fill(1), ...ext] as [number, number, number]
    const o = [...new Array<number>(pad).fill(0), ...off]
    const bs = [...new Array<number>(pad).fill(1), ...shape]
    const cs = [...new Array<number>(pad).fill(1), ...chunks]
    for (let z = 0; z < e[0]; z++)
      for (let y = 0; y < e[1]; y++) {
        const from = ((o[0]! + z) * bs[1]! + o[1]! + y) * bs[2]! + o[2]!
        const to = (z * cs[1]! + y) * cs[2]!
        chunk.set(data.subarray(from, from + e[2]) as never, to)
      }
    const key = index.map((i, d) => start[d]! / chunks[d]! + i).join('.')
    const bytes = new Uint8Array(chunk.buffer, 0, chunk.length * bytesPerElement(dtype))
    writeFileSync(join(this.dir, key), deflateSync(bytes, { level: LEVEL }))
  }
}
