import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import * as zarr from 'zarrita'
import FileSystemStore from '@zarrita/storage/fs'
import { InputError, messageOf } from '../errors.ts'
import { prepareOutput, type DType, type TypedArray } from './dtype.ts'
import { checkRegion, requireSingleArray, requireVolumeArray } from './checks.ts'
import { formatSpec, normaliseDataset } from './spec.ts'
import { regionSize, type ArrayInfo, type Region, type Shape3, type Volume } from './types.ts'

interface NodeMeta {
  kind: 'array' | 'group'
  version: 2 | 3
  json: Record<string, unknown>
  attributes: Record<string, unknown>
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  } catch (e) {
    throw new InputError(`${path}: unreadable Zarr metadata (${messageOf(e)})`)
  }
}

function readNode(dir: string): NodeMeta | null {
  const v3 = join(dir, 'zarr.json')
  if (existsSync(v3)) {
    const json = readJson(v3)
    const kind = json.node_type === 'array' ? 'array' : 'group'
    return { kind, version: 3, json, attributes: (json.attributes as Record<string, unknown>) ?? {} }
  }
  const attrsPath = join(dir, '.zattrs')
  const attributes = existsSync(attrsPath) ? readJson(attrsPath) : {}
  if (existsSync(join(dir, '.zarray')))
    return { kind: 'array', version: 2, json: readJson(join(dir, '.zarray')), attributes }
  if (existsSync(join(dir, '.zgroup')))
    return { kind: 'group', version: 2, json: readJson(join(dir, '.zgroup')), attributes }
  return null
}

const V2_KINDS: Record<string, string> = { u: 'uint', i: 'int', f: 'float' }

/** '<u2' -> 'uint16'; anything else keeps a readable name so listing never fails. */
function v2DtypeName(dtype: unknown): string {
  if (typeof dtype !== 'string') return 'structured'
  const m = /^[<>|=]([uif])(\d+)$/.exec(dtype)
  if (m) return `${V2_KINDS[m[1]!]}${Number(m[2]) * 8}`
  if (dtype === '|b1') return 'bool'
  return dtype
}

function arrayInfo(name: string, node: NodeMeta): ArrayInfo {
  const j = node.json
  if (node.version === 2) {
    const compressor = j.compressor as { id?: string; cname?: string } | null
    return {
      name,
      shape: (j.shape as number[]) ?? [],
      dtype: v2DtypeName(j.dtype),
      chunks: (j.chunks as number[]) ?? null,
      compression: compressor ? [compressor.id, compressor.cname].filter(Boolean).join(':') : null,
    }
  }
  const grid = j.chunk_grid as { configuration?: { chunk_shape?: number[] } } | undefined
  const codecs = ((j.codecs as Array<{ name: string }>) ?? []).map((c) => c.name)
  const compression = codecs.filter((c) => !['bytes', 'transpose', 'crc32c'].includes(c)).join('+')
  return {
    name,
    shape: (j.shape as number[]) ?? [],
    dtype: typeof j.data_type === 'string' ? j.data_type : 'extension',
    chunks: grid?.configuration?.chunk_shape ?? null,
    compression: compression || null,
  }
}

function walk(root: string): Array<{ name: string; node: NodeMeta }> {
  const out: Array<{ name: string; node: NodeMeta }> = []
  const visit = (dir: string): void => {
    const node = readNode(dir)
    if (node?.kind === 'array') {
      out.push({ name: relative(root, dir).split(sep).join('/'), node })
      return
    }
    for (const entry of readdirSync(dir).sort(naturalCompare)) {
      if (entry.startsWith('.')) continue
      const child = join(dir, entry)
      if (statSync(child).isDirectory()) visit(child)
    }
  }
  visit(root)
  return out
}

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true })
}

/** OME-NGFF: v0.4 keeps `multiscales` in .zattrs, v0.5 under `ome` in zarr.json. */
export function omeFullResolutionPath(attributes: Record<string, unknown>): string | null {
  const ome = (attributes.ome as Record<string, unknown> | undefined) ?? attributes
  const multiscales = ome.multiscales as Array<{ datasets?: Array<{ path?: string }> }> | undefined
  const path = multiscales?.[0]?.datasets?.[0]?.path
  return typeof path === 'string' ? path : null
}

export function listZarr(path: string): ArrayInfo[] {
  return walk(path).map(({ name, node }) => arrayInfo(name, node))
}

/** Resolves PATH#DATASET to an array folder, stepping into OME-Zarr multiscale groups. */
function resolveArray(path: string, dataset: string | null): { name: string; node: NodeMeta } {
  if (dataset === null) {
    const rootNode = readNode(path)
    if (rootNode?.kind === 'array') return { name: '', node: rootNode }
    const ome = rootNode ? omeFullResolutionPath(rootNode.attributes) : null
    if (ome !== null) return resolveArray(path, normaliseDataset(ome))
    const only = requireSingleArray(path, listZarr(path))
    return resolveArray(path, only.name)
  }
  const dir = join(path, ...dataset.split('/'))
  const node = existsSync(dir) ? readNode(dir) : null
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
  return { name: dataset, node }
}

export async function openZarr(path: string, dataset: string | null): Promise<Volume> {
  const { name, node } = resolveArray(path, dataset)
  const spec = name === '' ? path : formatSpec(path, name)
  const info = arrayInfo(name, node)
  const { shape, dtype, lead } = requireVolumeArray(spec, info)
  const store = new FileSystemStore(resolve(path))
  let arr: zarr.Array<zarr.DataType, FileSystemStore>
  try {
    const location = name === '' ? zarr.root(store) : zarr.root(store).resolve(name)
    arr = await zarr.open(location, { kind: 'array' })
  } catch (e) {
    throw new InputError(`${spec}: cannot open Zarr array (${messageOf(e)})`)
  }
  if (arr.dtype !== dtype) {
    throw new InputError(`${spec}: unsupported dtype '${arr.dtype}', expected an integer or float array`)
  }
  const chunks = (info.chunks ?? info.shape).slice(lead) as Shape3
  return new ZarrVolume(path, name, spec, arr, shape, dtype, chunks, lead, node.attributes)
}

class ZarrVolume implements Volume {
  readonly format = 'zarr' as const
  readonly chunked = true

  constructor(
    readonly path: string,
    readonly dataset: string,
    readonly spec: string,
    private readonly arr: zarr.Array<zarr.DataType, FileSystemStore>,
    readonly shape: Shape3,
    readonly dtype: DType,
    readonly chunks: Shape3,
    private readonly lead: number,
    readonly attributes: Record<string, unknown>,
  ) {}

  async readRegion(r: Region, out?: TypedArray): Promise<TypedArray> {
    checkRegion(this.spec, this.shape, r)
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
      throw new InputError(`${this.spec}: cannot read region (${messageOf(e)})`)
    }
  }

  close(): void {}
}
