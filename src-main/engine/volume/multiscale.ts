import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../errors.ts'
import { formatSpec, parseSpec } from './spec.ts'

type Vec3 = [number, number, number]

/** One resolution level of an OME-Zarr multiscale group, in z, y, x (leading t/c axes of length 1 dropped). */
export interface PyramidLevel {
  /** The level's array inside the group, as `datasets[i].path` says ('0', 's1', ...). */
  path: string
  /** GROUP#PATH, what openVolume opens. */
  spec: string
  shape: Vec3
  /** Size of one voxel along z, y, x, in the axes' unit (nanometres for our own pyramids). */
  scale: Vec3
  /** Where the centre of voxel 0 lies, in the same unit. */
  translation: Vec3
}

export interface Multiscale {
  group: string
  version: '0.4' | '0.5'
  name: string | null
  /** Finest first, as NGFF orders them. */
  levels: PyramidLevel[]
}

type Json = Record<string, unknown>

function readJson(file: string): Json {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InputError(`${file}: expected a JSON object`)
  return value as Json
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Where a group keeps its NGFF metadata: 0.5 under `attributes.ome` of zarr.json (Zarr v3), 0.4 as
 * `multiscales` in .zattrs (Zarr v2). Null when the folder is no multiscale group at all.
 */
function multiscaleMetadata(
  group: string,
): { file: string; version: string | undefined; list: unknown } | null {
  const v3 = join(group, 'zarr.json')
  if (existsSync(v3)) {
    const meta = readJson(v3)
    const attributes = meta.attributes
    const ome = isObject(attributes) ? attributes.ome : undefined
    if (meta.node_type !== 'group' || !isObject(ome) || !('multiscales' in ome)) return null
    return {
      file: v3,
      version: typeof ome.version === 'string' ? ome.version : undefined,
      list: ome.multiscales,
    }
  }
  const v2 = join(group, '.zattrs')
  if (!existsSync(v2) || !existsSync(join(group, '.zgroup'))) return null
  const attrs = readJson(v2)
  if (!('multiscales' in attrs)) return null
  const list = attrs.multiscales
  const first = Array.isArray(list) && isObject(list[0]) ? list[0] : undefined
  return { file: v2, version: typeof first?.version === 'string' ? first.version : undefined, list }
}

/** Whether `group` is a folder whose metadata declares OME-Zarr multiscales (valid or not). */
export function isMultiscaleGroup(group: string): boolean {
  return existsSync(group) && statSync(group).isDirectory() && multiscaleMetadata(group) !== null
}

/** The shape of the Zarr array in `dir`, from its .zarray (v2) or zarr.json (v3). */
function arrayShape(dir: string, where: string): number[] {
  for (const name of ['.zarray', 'zarr.json']) {
    const file = join(dir, name)
    if (!existsSync(file)) continue
    const meta = readJson(file)
    if (name === 'zarr.json' && meta.node_type !== 'array') continue
    const shape = meta.shape
    if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && (n as number) >= 0))
      throw new InputError(`${file}: shape: expected a list of whole numbers`)
    return shape as number[]
  }
  throw new InputError(`${where}: no Zarr array at ${dir}`)
}

function numbers(v: unknown, length: number, field: string, positive: boolean): number[] {
  if (
    !Array.isArray(v) ||
    v.length !== length ||
    !v.every((n) => typeof n === 'number' && Number.isFinite(n) && (!positive || n > 0))
  )
    throw new InputError(
      `${field}: expected ${length} ${positive ? 'positive ' : ''}numbers (one per axis), got ${JSON.stringify(v)}`,
    )
  return v as number[]
}

/** A `coordinateTransformations` list: one scale, then at most one translation, as NGFF 0.4 and 0.5 allow. */
function transforms(v: unknown, axes: number, field: string): { scale: number[]; translation: number[] } {
  if (!Array.isArray(v) || v.length < 1 || v.length > 2)
    throw new InputError(`${field}: expected a scale and at most one translation`)
  const [s, t] = v as unknown[]
  if (!isObject(s) || s.type !== 'scale')
    throw new InputError(`${field}[0]: expected {"type": "scale", "scale": [...]}`)
  const scale = numbers(s.scale, axes, `${field}[0].scale`, true)
  if (t === undefined) return { scale, translation: new Array<number>(axes).fill(0) }
  if (!isObject(t) || t.type !== 'translation')
    throw new InputError(`${field}[1]: expected {"type": "translation", "translation": [...]}`)
  return { scale, translation: numbers(t.translation, axes, `${field}[1].translation`, false) }
}

/**
 * The levels of the OME-Zarr multiscale group at `group` (NGFF 0.4 or 0.5), from its first multiscale:
 * each level's array, its z/y/x shape and its voxel size and offset (the multiscale's own transforms
 * applied after each dataset's). Metadata that breaks the spec is an InputError naming file and field.
 */
export function readMultiscale(group: string): Multiscale {
  if (!existsSync(group)) throw new InputError(`${group}: no such folder`)
  const meta = multiscaleMetadata(group)
  if (!meta)
    throw new InputError(
      `${group}: not an OME-Zarr multiscale group (no multiscales in .zattrs or in zarr.json's attributes.ome)`,
    )
  const at = (field: string): string => `${meta.file}: ${field}`
  if (meta.version !== '0.4' && meta.version !== '0.5')
    throw new InputError(
      `${at(meta.file.endsWith('zarr.json') ? 'attributes.ome.version' : 'multiscales[0].version')}: ${JSON.stringify(meta.version ?? null)} is not an NGFF version we read (0.4 or 0.5)`,
    )
  if (!Array.isArray(meta.list) || meta.list.length === 0 || !isObject(meta.list[0]))
    throw new InputError(`${at('multiscales')}: expected a non-empty list of objects`)
  const ms = meta.list[0]

  const axes = ms.axes
  if (!Array.isArray(axes) || axes.length < 3 || axes.length > 5 || !axes.every(isObject))
    throw new InputError(`${at('multiscales[0].axes')}: expected 3 to 5 axes, each {"name", "type"}`)
  const names = axes.map((a) => a.name)
  if (!names.every((n) => typeof n === 'string' && n !== '') || new Set(names).size !== names.length)
    throw new InputError(`${at('multiscales[0].axes')}: every axis needs its own name`)
  // NGFF orders axes time, channel, space; a volume is the last three, all of them space.
  const spatial = axes.slice(-3)
  const lead = axes.length - 3
  if (
    spatial.some((a) => a.type !== undefined && a.type !== 'space') ||
    axes.slice(0, lead).some((a) => a.type === 'space')
  )
    throw new InputError(
      `${at('multiscales[0].axes')}: expected three space axes last (got ${names.join(', ')}); a volume is z, y, x`,
    )

  const global =
    ms.coordinateTransformations === undefined
      ? { scale: new Array<number>(axes.length).fill(1), translation: new Array<number>(axes.length).fill(0) }
      : transforms(ms.coordinateTransformations, axes.length, at('multiscales[0].coordinateTransformations'))

  const datasets = ms.datasets
  if (!Array.isArray(datasets) || datasets.length === 0)
    throw new InputError(`${at('multiscales[0].datasets')}: expected a non-empty list of levels`)
  const levels = datasets.map((d: unknown, i): PyramidLevel => {
    const field = `multiscales[0].datasets[${i}]`
    if (!isObject(d) || typeof d.path !== 'string' || d.path === '' || d.path.split('/').includes('..'))
      throw new InputError(`${at(`${field}.path`)}: expected the path of an array inside the group`)
    const { scale, translation } = transforms(
      d.coordinateTransformations,
      axes.length,
      at(`${field}.coordinateTransformations`),
    )
    const shape = arrayShape(join(group, d.path), at(`${field}.path '${d.path}'`))
    if (shape.length !== axes.length)
      throw new InputError(
        `${at(`${field}.path '${d.path}'`)}: array has ${shape.length} dimensions, the group ${axes.length} axes`,
      )
    if (shape.slice(0, lead).some((n) => n !== 1))
      throw new InputError(
        `${at(`${field}.path '${d.path}'`)}: shape ${JSON.stringify(shape)}: a volume has length 1 along ${names.slice(0, lead).join(', ')}`,
      )
    const pick = (v: number[]): Vec3 => v.slice(lead) as Vec3
    return {
      path: d.path,
      spec: formatSpec(group, d.path),
      shape: pick(shape),
      scale: pick(scale.map((s, a) => s * global.scale[a]!)),
      translation: pick(translation.map((t, a) => t * global.scale[a]! + global.translation[a]!)),
    }
  })
  for (let i = 1; i < levels.length; i++)
    if (levels[i]!.scale.some((s, a) => s < levels[i - 1]!.scale[a]!))
      throw new InputError(
        `${at(`multiscales[0].datasets[${i}]`)}: scale ${JSON.stringify(levels[i]!.scale)} is finer than the level before; levels go from finest to coarsest`,
      )
  return {
    group,
    version: meta.version,
    name: typeof ms.name === 'string' ? ms.name : null,
    levels,
  }
}

/**
 * The multiscale group a volume is a level of, with the levels from that one down: `spec` names the
 * group itself (its full resolution) or one of its arrays (GROUP#0, FILE.zarr#image/s1). Null when
 * the volume is no part of a multiscale group (an HDF5 dataset, a plain Zarr array).
 */
export function findMultiscale(spec: string): Multiscale | null {
  const { path, dataset } = parseSpec(spec)
  if (!statSync(path).isDirectory()) return null
  const parts = dataset === null ? [] : dataset.split('/')
  // Deepest first: an NGFF labels group inside an image group is the labels' own multiscale.
  for (let k = parts.length; k >= 0; k--) {
    const group = join(path, ...parts.slice(0, k))
    if (!isMultiscaleGroup(group)) continue
    const multiscale = readMultiscale(group)
    const rest = parts.slice(k).join('/')
    if (rest === '') return multiscale
    const at = multiscale.levels.findIndex((l) => l.path.replace(/^\/+|\/+$/g, '') === rest)
    if (at >= 0) return { ...multiscale, levels: multiscale.levels.slice(at) }
  }
  return null
}
