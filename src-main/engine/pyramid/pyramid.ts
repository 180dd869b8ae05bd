import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  formatPart,
  isBlockDone,
  partOf,
  requireAllBlocks,
  requireSameRun,
  runKey,
  writeMarker,
  type BlockMarker,
  type BlockPart,
} from '../block-jobs/index.ts'
import { InputError } from '../errors.ts'
import { checkpointYield } from '../jobs/index.ts'
import type { StageOptions } from '../stage-options.ts'
import {
  allocate,
  atomicWrite,
  openVolume,
  regionSize,
  ZarrV2ArrayWriter,
  type Shape3,
  type Volume,
  voxelSizeOf,
} from '../volume/index.ts'
import { downsample, type LabelRule } from './downsample.ts'
import { levelChunks, multiscales, planLevels, type Level, type Voxel } from './plan.ts'

export interface PyramidOptions extends StageOptions {
  source: string
  out: string
  kind: 'image' | 'labels'
  rule?: LabelRule
  /** Voxel size in nm (z, y, x); else the source's `resolution` attributes; else 1 x 1 x 1. */
  voxel?: Voxel
}

export interface PyramidResult {
  out: string
  levels: Array<{ path: string; shape: Shape3; scale: number[] }>
  chunksWritten: number
  chunksKept: number
}

/** What a pyramid records of its making: a rerun with other inputs must not mix into it. */
interface Making {
  source: string
  kind: string
  rule: string
  voxel: Voxel
  complete: boolean
}

/** A pyramid's folder opened for writing: the levels planned, the group prepared, the arrays created. */
interface Opened {
  out: string
  source: Volume
  making: Making
  levels: Level[]
  writers: ZarrV2ArrayWriter[]
}

async function openPyramid(
  o: PyramidOptions,
  shared: boolean,
  before?: (out: string) => void,
): Promise<Opened> {
  const out = resolve(o.out)
  const source = await openVolume(o.source)
  try {
    const rule = o.kind === 'labels' ? (o.rule ?? 'mode') : 'mean'
    const voxel = o.voxel ?? voxelSizeOf(source.attributes) ?? [1, 1, 1]
    const levels = planLevels(source.shape, voxel)
    const making: Making = { source: o.source, kind: o.kind, rule, voxel, complete: false }
    before?.(out)
    prepareGroup(out, making, levels, shared)
    const writers = levels.map((l, i) =>
      ZarrV2ArrayWriter.openOrCreate(join(out, String(i)), l.shape, levelChunks(l.shape), source.dtype),
    )
    return { out, source, making, levels, writers }
  } catch (e) {
    source.close()
    throw e
  }
}

function resultOf(p: Opened, written: number, total: number): PyramidResult {
  return {
    out: p.out,
    levels: p.levels.map((l, i) => ({
      path: String(i),
      shape: l.shape,
      scale: p.making.voxel.map((v, d) => v * l.factor[d]!),
    })),
    chunksWritten: written,
    chunksKept: total - written,
  }
}

/**
 * Writes the given chunks of levels in order (each level's before the next reads them), skipping those
 * that exist: a rerun after a kill resumes. Returns how many it wrote.
 */
async function writeLevels(
  p: Opened,
  o: PyramidOptions,
  todo: Array<{ index: number; cells: Iterable<Shape3> }>,
  total: number,
): Promise<number> {
  let done = 0
  let written = 0
  for (const { index: i, cells } of todo) {
    const writer = p.writers[i]!
    const input = i === 0 ? p.source : await openVolume(`${p.out}#${i - 1}`)
    try {
      for (const cell of cells) {
        await checkpointYield(o.signal)
        done++
        if (writer.has(cell)) continue
        const region = writer.chunkRegion(cell)
        const values = await levelValues(input, region, p.levels[i]!, o.kind, o.rule ?? 'mode', p.source)
        writer.writeChunk(cell, values)
        written++
        if (done % 16 === 0 || done === total)
          o.onProgress?.({ fraction: done / total, message: `level ${i}: chunk ${cell.join(',')}` })
      }
    } finally {
      if (input !== p.source) input.close()
    }
  }
  return written
}

const cellCount = (w: ZarrV2ArrayWriter): number => w.grid[0] * w.grid[1] * w.grid[2]

/**
 * OME-Zarr (NGFF 0.4, Zarr v2) levels of a volume, written chunk by chunk: level 0 copies the source,
 * each next level reduces the one before. Resumable: a rerun keeps every chunk already written.
 */
export async function buildPyramid(o: PyramidOptions): Promise<PyramidResult> {
  const p = await openPyramid(o, false)
  const total = p.writers.reduce((a, w) => a + cellCount(w), 0)
  let written: number
  try {
    written = await writeLevels(
      p,
      o,
      p.writers.map((w, index) => ({ index, cells: cells(w.grid) })),
      total,
    )
  } finally {
    p.source.close()
  }
  removePartials(p.out)
  writeGroupAttributes(p.out, { ...p.making, complete: true }, p.levels)
  o.onProgress?.({ fraction: 1, message: 'done' })
  return resultOf(p, written, total)
}

/**
 * A writer killed mid-chunk leaves its temporary (`CHUNK.<pid>.part`) beside the chunk it would have
 * renamed; its rerun writes the chunk under its own pid. Once every chunk is written, no writer is left,
 * so the finished pyramid holds only its chunks and metadata.
 */
function removePartials(out: string): void {
  for (const entry of readdirSync(out, { recursive: true, withFileTypes: true }))
    if (entry.isFile() && entry.name.endsWith('.part'))
      rmSync(join(entry.parentPath, entry.name), { force: true })
}

const COMMAND = 'pyramid'

function pyramidKey(o: PyramidOptions, out: string): string {
  return runKey(resolve(o.source.split('#')[0]!), o.source, o.kind, o.rule ?? null, o.voxel ?? null, out)
}

export interface PyramidBlockResult extends PyramidResult {
  block: string
  /** The levels this block wrote its part of (0..split); the merge writes the rest. */
  split: number
  alreadyDone: boolean
}

/**
 * One block of a split pyramid (`--block i/n`). Blocks split the chunk grid of one level, `split`,
 * and each writes, for its chunks there, every chunk of levels 0..split below them; those nest (a
 * chunk of one level covers whole chunks of the one before), so no block reads another's chunks.
 * Every file is written atomically with the same content whichever block comes first.
 */
export async function buildPyramidBlock(
  o: PyramidOptions & { part: BlockPart },
): Promise<PyramidBlockResult> {
  let key = ''
  const p = await openPyramid(o, true, (out) => {
    key = pyramidKey(o, out)
    requireSameRun(out, COMMAND, key, o.part)
  })
  const block = formatPart(o.part)
  try {
    const split = splitLevel(p.levels, p.writers, o.part.count)
    const whole = resultOf(p, 0, 0)
    const kept = { ...whole, levels: whole.levels.slice(0, split + 1) }
    if (isBlockDone(p.out, COMMAND, key, o.part)) return { ...kept, block, split, alreadyDone: true }
    const top = p.writers[split]!
    const mine = partOf([...cells(top.grid)], o.part)
    const todo = p.writers.slice(0, split + 1).map((writer, index) => ({
      index,
      cells: mine.flatMap((cell) => cellsUnder(top, cell, p.levels, split, index, writer)),
    }))
    const total = todo.reduce((a, t) => a + t.cells.length, 0)
    const written = await writeLevels(p, o, todo, total)
    writeMarker(p.out, COMMAND, key, o.part, { split, chunks: total })
    return { ...kept, chunksWritten: written, chunksKept: total - written, block, split, alreadyDone: false }
  } finally {
    p.source.close()
  }
}

/**
 * After every block (`--merge`): the coarse levels above the split, read from the blocks' chunks
 * (small: each level is a quarter or an eighth of the one before), then the pyramid marked complete.
 */
export async function mergePyramidBlocks(o: PyramidOptions): Promise<PyramidResult> {
  let markers: BlockMarker[] = []
  const p = await openPyramid(o, true, (out) => {
    markers = requireAllBlocks(out, COMMAND, pyramidKey(o, out))
  })
  try {
    const split = splitLevel(p.levels, p.writers, markers[0]!.count)
    if (markers.some((m) => (m.result as { split?: number }).split !== split))
      throw new InputError(
        `${p.out}: its blocks split the levels otherwise than this version does; rerun them`,
      )
    const todo = p.writers
      .map((w, index) => ({ index, cells: [...cells(w.grid)] }))
      .filter((t) => t.index > split)
    const total = todo.reduce((a, t) => a + t.cells.length, 0)
    const written = await writeLevels(p, o, todo, total)
    removePartials(p.out)
    writeGroupAttributes(p.out, { ...p.making, complete: true }, p.levels)
    o.onProgress?.({ fraction: 1, message: 'done' })
    const all = p.writers.reduce((a, w) => a + cellCount(w), 0)
    // The blocks' chunks count as kept: this process did not write them.
    return resultOf(p, written, all)
  } finally {
    p.source.close()
  }
}

/**
 * The level whose chunk grid the blocks split: the coarsest one that every finer level nests under
 * and that still has 4 chunks a block (so blocks stay even), else level 0. It follows from the shape
 * and the number of blocks alone, so every block and the merge agree on it without talking.
 */
export function splitLevel(levels: Level[], writers: ZarrV2ArrayWriter[], count: number): number {
  let split = 0
  for (let k = 1; k < levels.length; k++) {
    const [fine, coarse] = [writers[k - 1]!, writers[k]!]
    const nests = [0, 1, 2].every(
      (d) => coarse.grid[d] === 1 || (coarse.chunks[d]! * levels[k]!.step[d]!) % fine.chunks[d]! === 0,
    )
    if (!nests) break
    if (cellCount(coarse) >= 4 * count) split = k
  }
  return split
}

/** The chunks of level `index` under chunk `cell` of level `split` (whole ones: the levels nest). */
function cellsUnder(
  top: ZarrV2ArrayWriter,
  cell: Shape3,
  levels: Level[],
  split: number,
  index: number,
  writer: ZarrV2ArrayWriter,
): Shape3[] {
  const r = top.chunkRegion(cell)
  const f = [0, 1, 2].map((d) => levels[split]!.factor[d]! / levels[index]!.factor[d]!)
  const lo = [r.z0, r.y0, r.x0].map((v, d) => Math.floor((v * f[d]!) / writer.chunks[d]!))
  const hi = [r.z1, r.y1, r.x1].map((v, d) =>
    Math.min(writer.grid[d]!, Math.ceil(Math.min(writer.shape[d]!, v * f[d]!) / writer.chunks[d]!)),
  )
  const out: Shape3[] = []
  for (let z = lo[0]!; z < hi[0]!; z++)
    for (let y = lo[1]!; y < hi[1]!; y++) for (let x = lo[2]!; x < hi[2]!; x++) out.push([z, y, x])
  return out
}

async function levelValues(
  input: Volume,
  region: ReturnType<ZarrV2ArrayWriter['chunkRegion']>,
  level: Level,
  kind: 'image' | 'labels',
  rule: LabelRule,
  source: Volume,
) {
  if (input === source && level.step.every((s) => s === 1)) return input.readRegion(region)
  const [sz, sy, sx] = level.step
  const from = {
    z0: region.z0 * sz,
    y0: region.y0 * sy,
    x0: region.x0 * sx,
    z1: Math.min(input.shape[0], region.z1 * sz),
    y1: Math.min(input.shape[1], region.y1 * sy),
    x1: Math.min(input.shape[2], region.x1 * sx),
  }
  const src = await input.readRegion(from)
  const outShape: Shape3 = [region.z1 - region.z0, region.y1 - region.y0, region.x1 - region.x0]
  const values = allocate(input.dtype, regionSize(region))
  downsample(
    src,
    [from.z1 - from.z0, from.y1 - from.y0, from.x1 - from.x0],
    level.step,
    values,
    outShape,
    kind,
    rule,
  )
  return values
}

function* cells(grid: Shape3): Generator<Shape3> {
  for (let z = 0; z < grid[0]; z++)
    for (let y = 0; y < grid[1]; y++) for (let x = 0; x < grid[2]; x++) yield [z, y, x]
}

/** `shared`: blocks create the group at once, so a folder holding only what one of them writes first is ours. */
function prepareGroup(out: string, making: Making, levels: Level[], shared: boolean): void {
  const attrsPath = join(out, '.zattrs')
  if (existsSync(attrsPath)) {
    const before = (JSON.parse(readFileSync(attrsPath, 'utf8')) as { activeem?: Making }).activeem
    const same = before && JSON.stringify({ ...before, complete: false }) === JSON.stringify(making)
    if (!same)
      throw new InputError(
        `${out}: holds another pyramid (of ${before?.source ?? 'something else'}); remove it or choose another --out`,
      )
    return
  }
  const another = (name: string): boolean => !['.zgroup', '.blocks'].includes(name) && !name.endsWith('.part')
  if (existsSync(out) && (!shared || readdirSync(out).some(another)))
    throw new InputError(`${out}: exists and is not a pyramid; choose another --out`)
  mkdirSync(out, { recursive: true })
  atomicWrite(join(out, '.zgroup'), JSON.stringify({ zarr_format: 2 }))
  writeGroupAttributes(out, making, levels)
}

function writeGroupAttributes(out: string, making: Making, levels: Level[]): void {
  const name = making.source.split('/').at(-1) ?? 'volume'
  const attrs = {
    multiscales: multiscales(name, levels, making.voxel, making.kind as 'image' | 'labels'),
    activeem: making,
  }
  atomicWrite(join(out, '.zattrs'), JSON.stringify(attrs, null, 2))
}
