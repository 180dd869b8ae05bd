import { resolve } from 'node:path'
import { InputError, messageOf } from '../errors.ts'
import { formatBytes, requireWithinBudget } from './budget.ts'
import { printedBy, quietly } from './quiet.ts'
import { bytesPerElement, prepareOutput, viewOf, type DType, type TypedArray } from './dtype.ts'
import { rawObjects } from './hdf5-groups.ts'
import { openRawHdf5 } from './hdf5-raw.ts'
import { escapeName } from './names.ts'
import { formatSpec } from './spec.ts'
import { checkStorage } from './hdf5-storage.ts'
import {
  type ArrayInfo,
  type Region,
  type Shape3,
  type SparseCells,
  type Volume,
  regionShape,
  regionSize,
} from './types.ts'
import { checkRegion, requireSingleArray, requireVolumeArray } from './checks.ts'

type H5 = typeof import('h5wasm/node')
type H5File = InstanceType<H5['File']>
type H5Dataset = InstanceType<H5['Dataset']>

let loading: Promise<H5> | null = null

/** h5wasm with the compression plugins real files use (lzf, blosc, zstd, bz2...) and errors as exceptions. */
export function loadH5wasm(): Promise<H5> {
  loading ??= (async () => {
    const h5 = await import('h5wasm/node')
    const plugins = await import('h5wasm-plugins')
    const module = await h5.ready
    // Without this libhdf5 prints its error stack to stderr; we want one clean message instead.
    module.activate_throwing_error_handler()
    plugins.install_local_plugins(module)
    return h5
  })()
  return loading
}

const H5T_CLASS_NAMES: Record<number, string> = {
  2: 'time',
  3: 'string',
  4: 'bitfield',
  5: 'opaque',
  6: 'compound',
  7: 'reference',
  8: 'enum',
  9: 'vlen',
  10: 'array',
}

interface H5Metadata {
  type: number
  size: number
  signed?: boolean
  littleEndian?: boolean
  vlen?: boolean
  shape: number[] | null
  chunks: number[] | null
}

export function h5DtypeName(meta: H5Metadata): string {
  if (meta.type === 0) return `${meta.signed ? 'int' : 'uint'}${meta.size * 8}`
  if (meta.type === 1) return `float${meta.size * 8}`
  return H5T_CLASS_NAMES[meta.type] ?? `hdf5-class-${meta.type}`
}

/** The superblock records where the file should end: a shorter file was cut off (copy or download). */
function checkNotTruncated(path: string): void {
  const raw = openRawHdf5(path)
  raw.close()
  if (raw.endOfFile !== null && raw.fileSize < raw.base + raw.endOfFile)
    throw new InputError(
      `${path}: truncated HDF5 file (${raw.fileSize} bytes on disk, the file says it has ${raw.base + raw.endOfFile}); copy it again`,
    )
}

async function openFile(path: string): Promise<{ h5: H5; file: H5File }> {
  const h5 = await loadH5wasm()
  checkNotTruncated(path)
  try {
    return { h5, file: quietly(() => new h5.File(resolve(path), 'r')) }
  } catch (e) {
    throw hdf5Failure(path, 'cannot open as HDF5', e)
  }
}

/**
 * Whatever libhdf5 or its wasm runtime throws while reading a user's file, as one line a user can
 * act on: out of memory and aborts said plainly, else libhdf5's most specific line.
 */
export function hdf5Failure(spec: string, doing: string, e: unknown, filters?: Filter[]): InputError {
  if (e instanceof InputError) return e
  const text = `${messageOf(e)}\n${printedBy(e)}`
  if (/Cannot enlarge memory|memory allocation failed|out of memory/i.test(text))
    return new InputError(
      `${spec}: ${doing}: the HDF5 reader ran out of memory (its heap holds at most ${formatBytes(2 ** 31)}); the file claims more than it can hold`,
    )
  const detail = /Aborted\(/.test(text) ? 'the HDF5 reader aborted on this file' : firstHdf5Line(messageOf(e))
  const named = filters?.length ? `; its filters: ${filters.map(describeFilter).join(', ')}` : ''
  return new InputError(`${spec}: ${doing} (${detail}${named})`)
}

interface Filter {
  id: number
  name: string
}

function describeFilter(f: Filter): string {
  return `${f.name || 'unnamed'} (id ${f.id})`
}

/** libhdf5's own filters and the plugins h5wasm-plugins installs; anything else cannot be decoded. */
const READABLE_FILTERS = new Set([
  1,
  2,
  3,
  4,
  5,
  6, // deflate, shuffle, fletcher32, szip, nbit, scaleoffset
  307,
  32000,
  32001,
  32004,
  32008,
  32013,
  32015,
  32019,
  32022,
  32023,
  32026, // bz2, lzf, blosc, lz4, bshuf, zfp, zstd, jpeg, bitgroom, bitround, blosc2
])

function filtersOf(dataset: H5Dataset): Filter[] {
  try {
    const filters = quietly(() => dataset.filters) as Filter[] | undefined
    return Array.isArray(filters) ? filters : []
  } catch {
    return []
  }
}

function requireReadableFilters(spec: string, filters: Filter[]): void {
  const missing = filters.filter((f) => !READABLE_FILTERS.has(f.id))
  if (missing.length === 0) return
  throw new InputError(
    `${spec}: HDF5 filter ${missing.map(describeFilter).join(', ')} is not supported (readable: gzip, shuffle, fletcher32, szip, nbit, scale-offset, lzf, blosc, blosc2, bshuf, lz4, zstd, bz2, zfp, jpeg, bitgroom, bitround)`,
  )
}

/** libhdf5's error stack is long; its most specific line is the one a user can act on. */
function firstHdf5Line(msg: string): string {
  const minors = [...msg.matchAll(/minor: (.+)/g)].map((m) => m[1]!.trim())
  return minors.at(-1) ?? msg.split('\n')[0] ?? msg
}

interface Walked {
  datasets: Array<{ name: string; dataset: H5Dataset }>
  /** Links h5wasm names but cannot open: names that are not UTF-8 (it passes names as UTF-8). */
  unreadable: string[]
}

function walk(h5: H5, file: H5File, path: string): Walked {
  const out: Walked = { datasets: [], unreadable: [] }
  const visit = (group: InstanceType<H5['Group']>, prefix: string): void => {
    let keys: string[]
    try {
      keys = quietly(() => group.keys())
    } catch (e) {
      throw hdf5Failure(formatSpec(path, prefix || '/'), 'damaged group, its members cannot be listed', e)
    }
    for (const key of keys) {
      const name = prefix === '' ? key : `${prefix}/${key}`
      let node
      try {
        node = quietly(() => group.get(key))
      } catch (e) {
        throw hdf5Failure(formatSpec(path, name), 'damaged object', e)
      }
      if (node instanceof h5.Dataset) out.datasets.push({ name, dataset: node })
      else if (node instanceof h5.Group) visit(node, name)
      // A name that did not survive UTF-8 is listed as such; h5wasm finds nothing under the mangled name.
      else if (node === null && /[^\x20-\x7e]/.test(key)) out.unreadable.push(escapeOdd(name))
      // Nothing, not even a broken link (those and committed datatypes are not data): the object header
      // is damaged. h5py refuses such a file; a listing that left it out would be silently incomplete.
      else if (node === null)
        throw new InputError(`${formatSpec(path, name)}: damaged object, its type cannot be determined`)
    }
  }
  visit(file, '')
  if (out.unreadable.length > 0) recoverByBytes(h5, file, path, out)
  return out
}

/**
 * Datasets whose names are not UTF-8, found by the file's own bytes and opened by them (h5wasm takes
 * a path as bytes where it cannot as text), listed escaped (\xHH). Where the walk cannot read a
 * group (dense link storage), those names stay listed as unreadable.
 */
function recoverByBytes(h5: H5, file: H5File, path: string, out: Walked): void {
  const raw = openRawHdf5(path)
  let objects
  try {
    objects = rawObjects(raw)
  } catch {
    return
  } finally {
    raw.close()
  }
  if (!objects) return
  const module = h5.Module as unknown as { get_type(file: bigint, path: Uint8Array): number }
  for (const o of objects) {
    const name = o.path.map(escapeName).join('/')
    if (o.isGroup || o.path.every((p) => escapeName(p) === p.toString('utf8'))) continue
    const bytes = new Uint8Array(Buffer.concat(o.path.flatMap((p) => [Buffer.from('/'), p])))
    if (quietly(() => module.get_type(file.file_id, bytes)) !== H5O_TYPE_DATASET) continue
    // h5wasm passes `path` to its C++ side unchanged, and embind copies a Uint8Array as bytes.
    out.datasets.push({ name, dataset: new h5.Dataset(file.file_id, bytes as unknown as string) })
  }
  out.unreadable = []
}

/** libhdf5's H5O_TYPE_DATASET. */
const H5O_TYPE_DATASET = 1

/** What h5wasm made of a non-UTF-8 name, printable: code points outside ASCII as \u{...}. */
function escapeOdd(name: string): string {
  return [...name].map((c) => (/[\x20-\x7e]/.test(c) ? c : `\\u{${c.codePointAt(0)!.toString(16)}}`)).join('')
}

function compressionOf(dataset: H5Dataset): string | null {
  const filters = filtersOf(dataset)
  const names = filters.map((f) => f.name || String(f.id)).filter((n) => n !== 'shuffle')
  return names.length ? names.join('+') : null
}

function infoOf(name: string, dataset: H5Dataset): ArrayInfo {
  const meta = dataset.metadata as H5Metadata
  return {
    name,
    shape: meta.shape ?? [],
    dtype: h5DtypeName(meta),
    chunks: meta.chunks ?? null,
    compression: compressionOf(dataset),
  }
}

export async function listHdf5(path: string): Promise<ArrayInfo[]> {
  const { h5, file } = await openFile(path)
  try {
    const { datasets, unreadable } = walk(h5, file, path)
    return [
      ...datasets.map(({ name, dataset }) => quietly(() => infoOf(name, dataset))),
      ...unreadable.map((name) => ({
        name,
        shape: [],
        dtype: 'unreadable (name is not UTF-8)',
        chunks: null,
        compression: null,
      })),
    ]
  } catch (e) {
    throw hdf5Failure(path, 'cannot list datasets', e)
  } finally {
    quietly(() => file.close())
  }
}

export async function openHdf5(path: string, datasetName: string | null): Promise<Volume> {
  const { h5, file } = await openFile(path)
  try {
    const { datasets: arrays, unreadable } = walk(h5, file, path)
    const name =
      datasetName ??
      requireSingleArray(
        path,
        arrays.map((a) => infoOf(a.name, a.dataset)),
      ).name
    const found = arrays.find((a) => a.name === name)
    if (!found) {
      const known = arrays.map((a) => a.name).join(', ') || 'none'
      const odd = unreadable.length
        ? `; not openable, their names are not UTF-8: ${unreadable.join(', ')}`
        : ''
      throw new InputError(`${path}: no dataset '${name}' (datasets: ${known}${odd})`)
    }
    const spec = formatSpec(path, name)
    const info = quietly(() => infoOf(name, found.dataset))
    const { shape, dtype, lead } = requireVolumeArray(spec, info)
    const meta = quietly(() => found.dataset.metadata) as H5Metadata
    const filters = filtersOf(found.dataset)
    requireReadableFilters(spec, filters)
    if (meta.chunks)
      requireWithinBudget(
        spec,
        `one chunk of ${meta.chunks.join(' x ')} ${dtype}`,
        meta.chunks.reduce((a, b) => a * b, 1) * bytesPerElement(dtype),
      )
    const attrs = readAttributes(found.dataset)
    const sparse = checkStorage({
      spec,
      path,
      headerAddress: headerAddressOf(found.dataset),
      shape: meta.shape ?? [],
      maxShape: (meta as { maxshape?: number[] }).maxshape ?? meta.shape ?? [],
      dtype,
      elementSize: meta.size,
      littleEndian: meta.littleEndian !== false,
      filtered: filters.length > 0,
      lead,
    })
    return new Hdf5Volume(
      h5,
      path,
      name,
      file,
      found.dataset,
      shape,
      dtype,
      lead,
      meta,
      attrs,
      filters,
      sparse,
    )
  } catch (e) {
    quietly(() => file.close())
    throw hdf5Failure(path, 'cannot open dataset', e)
  }
}

/** An HDF5 object reference is the object header's address (little-endian, relative to the base). */
function headerAddressOf(dataset: H5Dataset): number {
  const ref = quietly(() => dataset.create_reference()).ref_data as ArrayLike<number>
  return Number(Buffer.from(Array.from(ref)).readBigUInt64LE(0))
}

function readAttributes(dataset: H5Dataset): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  let attrs: Record<string, unknown>
  try {
    attrs = quietly(() => dataset.attrs ?? {})
  } catch {
    return out
  }
  for (const [key, attr] of Object.entries(attrs)) {
    try {
      const v = quietly(() => (attr as { json_value: unknown }).json_value)
      out[key] = v
    } catch {
      // attributes of exotic types are not needed to read the voxels
    }
  }
  return out
}

/** For contiguous datasets: whole xy planes, as many as fit ~8 MB, so streaming stays cheap and bounded. */
function contiguousBlock(shape: Shape3, dtype: DType): Shape3 {
  const plane = shape[1] * shape[2] * bytesPerElement(dtype)
  const z = Math.max(1, Math.min(shape[0], Math.floor((8 << 20) / Math.max(plane, 1))))
  return [z, shape[1], shape[2]]
}

class Hdf5Volume implements Volume {
  readonly format = 'hdf5' as const
  readonly spec: string
  readonly chunks: Shape3
  readonly chunked: boolean
  private closed = false
  private scratch = 0
  private scratchBytes = 0

  constructor(
    private readonly h5: H5,
    readonly path: string,
    readonly dataset: string,
    private readonly file: H5File,
    private readonly handle: H5Dataset,
    readonly shape: Shape3,
    readonly dtype: DType,
    private readonly lead: number,
    private readonly meta: H5Metadata,
    readonly attributes: Record<string, unknown>,
    private readonly filters: Filter[],
    readonly sparse: SparseCells | undefined,
  ) {
    this.spec = formatSpec(path, dataset)
    this.chunked = meta.chunks !== null
    this.chunks = meta.chunks ? (meta.chunks.slice(lead) as Shape3) : contiguousBlock(shape, dtype)
  }

  /**
   * Reads straight into a scratch buffer kept in the wasm heap, then copies once into `out`: no
   * per-call garbage, so streaming a volume far larger than memory keeps a flat footprint.
   */
  async readRegion(region: Region, out?: TypedArray): Promise<TypedArray> {
    checkRegion(this.spec, this.shape, region)
    if (this.closed) throw new Error(`${this.spec}: volume is closed`)
    const size = regionSize(region)
    const target = prepareOutput(this.spec, this.dtype, size, out)
    const module = this.h5.Module
    const nbytes = size * bytesPerElement(this.dtype)
    requireWithinBudget(this.spec, `a region of ${size} ${this.dtype}`, nbytes)
    if (this.scratchBytes < nbytes) {
      if (this.scratch) module._free(this.scratch)
      this.scratch = 0
      this.scratchBytes = 0
      const at = quietly(() => module._malloc(nbytes))
      if (at === 0)
        throw new InputError(
          `${this.spec}: cannot read region: the HDF5 reader has no room for ${formatBytes(nbytes)} (its heap holds at most ${formatBytes(2 ** 31)})`,
        )
      this.scratch = at
      this.scratchBytes = nbytes
    }
    const lead = new Array<bigint>(this.lead).fill(0n)
    const offset = [...lead, BigInt(region.z0), BigInt(region.y0), BigInt(region.x0)]
    const count = [...lead.map(() => 1n), ...regionShape(region).map(BigInt)]
    const strides = count.map(() => 1n)
    try {
      const status = quietly(() =>
        module.get_dataset_data(
          this.handle.file_id,
          this.handle.path,
          count,
          offset,
          strides,
          BigInt(this.scratch),
        ),
      )
      if (status < 0) throw new Error(`status ${status}`)
    } catch (e) {
      throw hdf5Failure(this.spec, 'cannot read region', e, this.filters)
    }
    // HEAPU8.buffer is replaced when the heap grows: take the view only after the read.
    target.set(viewOf(this.dtype, module.HEAPU8.buffer, this.scratch, size) as never)
    return target
  }

  close(): void {
    if (this.closed) return
    if (this.scratch) this.h5.Module._free(this.scratch)
    try {
      quietly(() => this.file.close())
    } catch {
      // a file libhdf5 gave up on may refuse to close; the process lets go of it either way
    }
    this.closed = true
  }
}
