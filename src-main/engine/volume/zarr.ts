import { readdirSync } from 'node:fs'
import * as zarr from 'zarrita'
import { InputError, messageOf } from '../errors.ts'
import { requireWithinBudget } from './budget.ts'
import { checkRegion, requireSingleArray, requireVolumeArray } from './checks.ts'
import { allocate, bytesPerElement, prepareOutput, type DType, type TypedArray } from './dtype.ts'
import { childPath, escapeName, resolveEscaped } from './names.ts'
import { formatSpec, normaliseDataset } from './spec.ts'
import {
  regionSize,
  type ArrayInfo,
  type Region,
  type Shape3,
  type SparseCells,
  type Volume,
} from './types.ts'
import { chunkKey, storedCells } from './zarr-chunks.ts'
import {
  arrayInfo,
  checkArrayMeta,
  readNode,
  type CheckedArray,
  type FsPath,
  type NodeMeta,
} from './zarr-meta.ts'
import { registerCheckedCodecs } from './zarr-codecs.ts'
import { CheckedFileStore } from './zarr-store.ts'
import { decodeWorkers, reduceOffThread } from './decode-pool.ts'
import { chunkStats, EMPTY_STATS, mergeStats, type PartStats } from './reduce.ts'
import { WRONG_SIZE } from './reduce-chunk.ts'
import { storedValues, valueCodec, type StoredValues } from './zarr-direct.ts'

registerCheckedCodecs()

interface Found {
  name: string
  dir: FsPath
  node: NodeMeta
}

/** Every array under `root`, depth first in natural order; names with non-UTF-8 bytes escaped. */
function walk(root: string): Found[] {
  const out: Found[] = []
  const visit = (dir: FsPath, name: string): void => {
    const node = readNode(dir)
    if (node?.kind === 'array') {
      out.push({ name, dir, node })
      return
    }
    let children
    try {
      children = readdirSync(dir as Buffer, { withFileTypes: true, encoding: 'buffer' })
    } catch {
      return // an unreadable folder holds nothing we can list
    }
    const named = children
      .filter((e) => e.isDirectory() && e.name[0] !== 0x2e)
      .map((e) => ({ e, shown: escapeName(e.name) }))
      .sort((a, b) => naturalCompare(a.shown, b.shown))
    for (const { e, shown } of named) visit(childPath(dir, e.name), name === '' ? shown : `${name}/${shown}`)
  }
  visit(root, '')
  return out
}

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true })
}

/** OME-NGFF: v0.4 keeps `multiscales` in .zattrs, v0.5 under `ome` in zarr.json. */
export function omeFullResolutionPath(attributes: Record<string, unknown>): string | null {
  const ome = (attributes.ome as Record<string, unknown> | undefined) ?? attributes
  const multiscales = ome.multiscales as Array<{ datasets?: Array<{ path?: string }> }> | undefined
  const path = Array.isArray(multiscales) ? multiscales[0]?.datasets?.[0]?.path : undefined
  return typeof path === 'string' ? path : null
}

export function listZarr(path: string): ArrayInfo[] {
  return walk(path).map(({ name, node }) => arrayInfo(name, node))
}

/** Resolves PATH#DATASET to an array folder, stepping into OME-Zarr multiscale groups. */
function resolveArray(path: string, dataset: string | null): Found {
  if (dataset === null) {
    const rootNode = readNode(path)
    if (rootNode?.kind === 'array') return { name: '', dir: path, node: rootNode }
    const ome = rootNode ? omeFullResolutionPath(rootNode.attributes) : null
    if (ome !== null) return resolveArray(path, normaliseDataset(ome))
    const only = requireSingleArray(path, listZarr(path))
    return resolveArray(path, only.name)
  }
  const dir = resolveEscaped(path, dataset.split('/'))
  const node = readNode(dir)
  if (!node) {
    const known =
      listZarr(path)
        .map((a) => a.name)
        .join(', ') || 'none'
    throw new InputError(`${path}: no array '${dataset}' (arrays: ${known})`)
  }
  if (node.kind === 'group') {
    const ome = omeFullResolutionPath(node.attributes)
    if (ome === null) throw new InputError(`${formatSpec(path, dataset)}: is a group, not an array`)
    return resolveArray(path, `${dataset}/${normaliseDataset(ome)}`)
  }
  return { name: dataset, dir, node }
}

/**
 * Chunks in flight per region: enough to keep every decode worker busy with one queued behind it,
 * at most 64 MiB of chunks held at once.
 */
function readAhead(chunkBytes: number): number {
  return Math.max(1, Math.min(2 * decodeWorkers() + 2, Math.floor((64 << 20) / chunkBytes)))
}

type ZArray = zarr.Array<zarr.DataType, CheckedFileStore>
type Chunk = Awaited<ReturnType<ZArray['getChunk']>>

export async function openZarr(path: string, dataset: string | null): Promise<Volume> {
  const { name, dir, node } = resolveArray(path, dataset)
  const spec = name === '' ? path : formatSpec(path, name)
  const { shape, dtype, lead } = requireVolumeArray(spec, arrayInfo(name, node))
  const meta = checkArrayMeta(node)
  requireWithinBudget(
    spec,
    `one chunk of ${meta.chunk.join(' x ')} ${dtype}`,
    meta.chunk.reduce((a, b) => a * b, 1) * bytesPerElement(dtype),
  )
  let arr: ZArray
  const store = new CheckedFileStore(dir, spec)
  try {
    arr = await zarr.open(zarr.root(store), { kind: 'array' })
  } catch (e) {
    throw new InputError(`${spec}: cannot open Zarr array (${describe(e)})`)
  }
  if (arr.dtype !== dtype) {
    throw new InputError(`${spec}: unsupported dtype '${arr.dtype}', expected an integer or float array`)
  }
  checkDecodedChunks(arr, spec, meta)
  const chunks = meta.grid.slice(lead) as Shape3
  const fill = Number(arr.fillValue ?? 0)
  const sparse = { fill, cells: () => storedCells(dir, meta).map((c) => c.slice(lead) as Shape3) }
  const flat = meta.grid.slice(0, lead).every((n) => n === 1)
  const sharded = meta.grid.some((g, i) => g !== meta.chunk[i])
  const direct = {
    store,
    meta,
    values: storedValues(node, bytesPerElement(dtype)),
    reduce: flat && !sharded ? valueCodec(node, bytesPerElement(dtype)) : null,
  }
  return new ZarrVolume(path, name, spec, arr, shape, dtype, chunks, lead, node.attributes, sparse, direct)
}

/**
 * The part of chunk `at` (in units of `chunk`) inside region `r`, from the decoded chunk (any
 * strides: a transposed or F-ordered chunk too) into the C-ordered region buffer. A C-ordered chunk
 * goes in as whole contiguous runs: the chunk in one copy when its planes span the region's, whole
 * planes when its rows span the region's width, else one copy per row.
 */
function copyOverlap(
  src: TypedArray,
  stride: number[],
  at: number[],
  chunk: number[],
  r: Region,
  dst: TypedArray,
): void {
  const lo = [r.z0, r.y0, r.x0]
  const hi = [r.z1, r.y1, r.x1]
  const from = at.map((c, i) => Math.max(lo[i]!, c * chunk[i]!))
  const to = at.map((c, i) => Math.min(hi[i]!, (c + 1) * chunk[i]!))
  const [sy, sx] = [r.y1 - r.y0, r.x1 - r.x0]
  const width = to[2]! - from[2]!
  const height = to[1]! - from[1]!
  const cOrder = stride[2] === 1 && stride[1] === chunk[2] && stride[0] === chunk[1]! * chunk[2]!
  const start = (z: number, y: number): [number, number] => [
    (z - at[0]! * chunk[0]!) * stride[0]! +
      (y - at[1]! * chunk[1]!) * stride[1]! +
      (from[2]! - at[2]! * chunk[2]!) * stride[2]!,
    ((z - r.z0) * sy + (y - r.y0)) * sx + (from[2]! - r.x0),
  ]
  if (cOrder && width === chunk[2] && width === sx) {
    // Rows span both the chunk and the region: planes are contiguous on both sides.
    const [s, d] = start(from[0]!, from[1]!)
    if (height === chunk[1] && height === sy) {
      dst.set(src.subarray(s, s + (to[0]! - from[0]!) * height * width) as never, d)
      return
    }
    for (let z = from[0]!; z < to[0]!; z++) {
      const [s, d] = start(z, from[1]!)
      dst.set(src.subarray(s, s + height * width) as never, d)
    }
    return
  }
  for (let z = from[0]!; z < to[0]!; z++)
    for (let y = from[1]!; y < to[1]!; y++) {
      const [s, d] = start(z, y)
      if (stride[2] === 1) dst.set(src.subarray(s, s + width) as never, d)
      else for (let x = 0; x < width; x++) dst[d + x] = src[s + x * stride[2]!]!
    }
}

/** zarrita's errors wrap the codec's own: the cause says what was wrong with the bytes. */
function describe(e: unknown): string {
  const cause = (e as { cause?: unknown })?.cause
  return cause ? `${messageOf(e)}: ${messageOf(cause)}` : messageOf(e)
}

/**
 * Every decoded chunk must hold exactly its shape's values: zarrita copies a short one into the
 * region and leaves the rest zero, a silent wrong value when the file's dtype, chunk shape or
 * codecs lie. Errors name the chunk's key, so the user can find the file.
 */
function checkDecodedChunks(arr: ZArray, spec: string, meta: CheckedArray): void {
  const expected = meta.chunk.reduce((a, b) => a * b, 1)
  const perShard = meta.grid.map((g, i) => g / meta.chunk[i]!)
  const sharded = perShard.some((n) => n !== 1)
  const keyOf = (coords: number[]): string => {
    const key = chunkKey(
      meta,
      coords.map((c, i) => Math.floor(c / perShard[i]!)),
    )
    return sharded ? `${key} (inner chunk ${coords.join(',')})` : key
  }
  const read = arr.getChunk.bind(arr)
  const checked = async (coords: number[], ...rest: unknown[]): Promise<Chunk> => {
    let chunk: Chunk
    try {
      chunk = await (read as (c: number[], ...r: unknown[]) => Promise<Chunk>)(coords, ...rest)
    } catch (e) {
      if (e instanceof InputError) throw e
      throw new InputError(`${spec}: chunk ${keyOf(coords)}: cannot decode (${describe(e)})`)
    }
    if (chunk.data.length !== expected)
      throw new InputError(
        `${spec}: chunk ${keyOf(coords)}: decodes to ${chunk.data.length} values, expected ${expected} ` +
          `(${meta.chunk.join(' x ')}): its bytes do not match the array's dtype, chunk shape or codecs`,
      )
    return chunk
  }
  ;(arr as unknown as { getChunk: typeof checked }).getChunk = checked
}

class ZarrVolume implements Volume {
  readonly format = 'zarr' as const
  readonly chunked = true
  constructor(
    readonly path: string,
    readonly dataset: string,
    readonly spec: string,
    private readonly arr: ZArray,
    readonly shape: Shape3,
    readonly dtype: DType,
    readonly chunks: Shape3,
    private readonly lead: number,
    readonly attributes: Record<string, unknown>,
    readonly sparse: SparseCells,
    private readonly direct: {
      store: CheckedFileStore
      meta: CheckedArray
      values: StoredValues | null
      /** How a chunk file becomes its values, where one byte codec (or none) is all it takes. */
      reduce: ReturnType<typeof valueCodec>
    },
  ) {}

  storedChunkStats(onProgress?: (fraction: number) => void): Promise<PartStats> | null {
    const how = this.direct.reduce
    return how ? this.reduceStored(how, onProgress) : null
  }

  /**
   * Each stored chunk's file is read here and decoded and summed on a decode worker, a window of
   * them in flight; results are merged in grid order, so a float sum does not depend on timing.
   */
  private async reduceStored(
    how: NonNullable<ReturnType<typeof valueCodec>>,
    onProgress?: (fraction: number) => void,
  ): Promise<PartStats> {
    const chunk = this.chunks
    const cells = this.sparse.cells().sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2])
    const lead = new Array<number>(this.lead).fill(0)
    const size = chunk.reduce((a, b) => a * b, 1)
    // Buffers for chunks stored as their values, reused: they are summed here as they are read,
    // which costs less than a trip to a worker and leaves no garbage behind.
    const spare: TypedArray[] = []
    const reduce = async (cell: Shape3): Promise<PartStats> => {
      const key = chunkKey(this.direct.meta, [...lead, ...cell])
      const valid = cell.map((c, i) => Math.min(chunk[i]!, this.shape[i]! - c * chunk[i]!)) as Shape3
      if (this.direct.values) {
        const values = spare.pop() ?? allocate(this.dtype, size)
        const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
        const stored = await this.direct.store.readStored(key, bytes, this.direct.values)
        const stats = stored ? chunkStats(values, chunk, valid) : null
        spare.push(values)
        if (stats) return stats
      }
      const bytes = await this.direct.store.get(key)
      if (!bytes) return EMPTY_STATS // removed since it was listed: the fill value, as when absent
      try {
        return await reduceOffThread({ ...how, bytes, dtype: this.dtype, chunk, valid })
      } catch (e) {
        const m = messageOf(e)
        throw new InputError(
          `${this.spec}: chunk ${key}: ${m.startsWith(WRONG_SIZE) ? m : `cannot decode (${m})`}`,
        )
      }
    }
    const window = readAhead(size * bytesPerElement(this.dtype))
    const pending: Array<Promise<PartStats>> = []
    const start = (i: number): void => {
      if (i >= cells.length) return
      const p = reduce(cells[i]!)
      p.catch(() => {}) // awaited in order below
      pending.push(p)
    }
    for (let i = 0; i < window; i++) start(i)
    let out = EMPTY_STATS
    try {
      for (let i = 0; i < cells.length; i++) {
        out = mergeStats(out, await pending[i]!)
        start(i + window)
        onProgress?.((i + 1) / cells.length)
      }
    } finally {
      await Promise.allSettled(pending)
    }
    return out
  }

  /**
   * A chunk wholly inside the region whose rows and planes span the region's is one contiguous run
   * of the output: when its file holds the values as they are, they are read straight into it (no
   * buffer, no copy). Null when that happened; otherwise the decoded chunk, to copy.
   */
  private async fetch(cell: number[], chunk: number[], r: Region, target: TypedArray): Promise<Chunk | null> {
    const coords = [...new Array<number>(this.lead).fill(0), ...cell]
    const lo = [r.z0, r.y0, r.x0]
    const hi = [r.z1, r.y1, r.x1]
    const whole = cell.every((c, i) => c * chunk[i]! >= lo[i]! && (c + 1) * chunk[i]! <= hi[i]!)
    const spans = chunk[2] === r.x1 - r.x0 && chunk[1] === r.y1 - r.y0
    const flat = this.arr.chunks.slice(0, this.lead).every((n) => n === 1)
    if (this.direct.values && whole && spans && flat) {
      const item = target.BYTES_PER_ELEMENT
      const at = (cell[0]! * chunk[0]! - r.z0) * chunk[1]! * chunk[2]!
      const into = new Uint8Array(
        target.buffer,
        target.byteOffset + at * item,
        chunk[0]! * chunk[1]! * chunk[2]! * item,
      )
      const key = chunkKey(this.direct.meta, coords)
      if (await this.direct.store.readStored(key, into, this.direct.values)) return null
    }
    return this.arr.getChunk(coords)
  }

  /**
   * Chunk by chunk straight into the output: zarrita's get would decode every chunk of the region at
   * once into a second region-sized buffer. The next chunks are read and decoded (on the decode
   * workers) while the current one is copied; a window bounds how many decoded chunks are held.
   */
  async readRegion(r: Region, out?: TypedArray): Promise<TypedArray> {
    checkRegion(this.spec, this.shape, r)
    const size = regionSize(r)
    if (!out)
      requireWithinBudget(this.spec, `a region of ${size} ${this.dtype}`, size * bytesPerElement(this.dtype))
    const target = prepareOutput(this.spec, this.dtype, size, out)
    const chunk = this.arr.chunks.slice(this.lead)
    const first = [r.z0, r.y0, r.x0].map((a, i) => Math.floor(a / chunk[i]!))
    const last = [r.z1, r.y1, r.x1].map((b, i) => Math.floor((b - 1) / chunk[i]!))
    const cells: number[][] = []
    for (let cz = first[0]!; cz <= last[0]!; cz++)
      for (let cy = first[1]!; cy <= last[1]!; cy++)
        for (let cx = first[2]!; cx <= last[2]!; cx++) cells.push([cz, cy, cx])
    const window = readAhead(chunk.reduce((a, b) => a * b, 1) * bytesPerElement(this.dtype))
    const pending: Array<Promise<Chunk | null>> = []
    const start = (i: number): void => {
      if (i >= cells.length) return
      const p = this.fetch(cells[i]!, chunk, r, target)
      p.catch(() => {}) // awaited in order below; a later chunk's failure waits its turn
      pending.push(p)
    }
    for (let i = 0; i < window; i++) start(i)
    try {
      for (let i = 0; i < cells.length; i++) {
        const decoded = await pending[i]!
        start(i + window)
        if (decoded)
          copyOverlap(
            decoded.data as TypedArray,
            decoded.stride.slice(this.lead),
            cells[i]!,
            chunk,
            r,
            target,
          )
      }
    } finally {
      // A failure stops the region; reads already started finish before the error leaves, so no
      // chunk work outlives the call.
      await Promise.allSettled(pending)
    }
    return target
  }

  close(): void {}
}
