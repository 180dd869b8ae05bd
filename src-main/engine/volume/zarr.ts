import { readdirSync } from 'node:fs'
import * as zarr from 'zarrita'
import { InputError, messageOf } from '../errors.ts'
import { requireWithinBudget } from './budget.ts'
import { checkRegion, requireSingleArray, requireVolumeArray } from './checks.ts'
import { CheckedCrc32cCodec } from './crc32c.ts'
import { bytesPerElement, prepareOutput, type DType, type TypedArray } from './dtype.ts'
import { escapeName, resolveEscaped } from './names.ts'
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
import { CheckedFileStore } from './zarr-store.ts'

zarr.registry.set('crc32c', async () => CheckedCrc32cCodec as never)

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
    for (const { e, shown } of named)
      visit(
        Buffer.concat([Buffer.from(dir), Buffer.from('/'), e.name]),
        name === '' ? shown : `${name}/${shown}`,
      )
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
  try {
    arr = await zarr.open(zarr.root(new CheckedFileStore(dir, spec)), { kind: 'array' })
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
  return new ZarrVolume(path, name, spec, arr, shape, dtype, chunks, lead, node.attributes, sparse)
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
  ) {}

  async readRegion(r: Region, out?: TypedArray): Promise<TypedArray> {
    checkRegion(this.spec, this.shape, r)
    if (!out)
      requireWithinBudget(
        this.spec,
        `a region of ${regionSize(r)} ${this.dtype}`,
        regionSize(r) * bytesPerElement(this.dtype),
      )
    const target = out ? prepareOutput(this.spec, this.dtype, regionSize(r), out) : undefined
    const selection = [
      ...new Array<number>(this.lead).fill(0),
      zarr.slice(r.z0, r.z1),
      zarr.slice(r.y0, r.y1),
      zarr.slice(r.x0, r.x1),
    ]
    try {
      const data = (await zarr.get(this.arr, selection)).data as TypedArray
      if (!target) return data
      target.set(data as never)
      return target
    } catch (e) {
      if (e instanceof InputError) throw e
      throw new InputError(`${this.spec}: cannot read region (${describe(e)})`)
    }
  }

  close(): void {}
}
