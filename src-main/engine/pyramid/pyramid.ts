import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
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

/**
 * OME-Zarr (NGFF 0.4, Zarr v2) levels of a volume, written chunk by chunk: level 0 copies the source,
 * each next level reduces the one before. Resumable: a rerun keeps every chunk already written.
 */
export async function buildPyramid(o: PyramidOptions): Promise<PyramidResult> {
  const out = resolve(o.out)
  const source = await openVolume(o.source)
  const rule = o.kind === 'labels' ? (o.rule ?? 'mode') : 'mean'
  let levels: Level[]
  let voxel: Voxel
  try {
    voxel = o.voxel ?? voxelSizeOf(source.attributes) ?? [1, 1, 1]
    levels = planLevels(source.shape, voxel)
    prepareGroup(out, { source: o.source, kind: o.kind, rule, voxel, complete: false }, levels)
  } catch (e) {
    source.close()
    throw e
  }
  const writers = levels.map((l, i) =>
    ZarrV2ArrayWriter.openOrCreate(join(out, String(i)), l.shape, levelChunks(l.shape), source.dtype),
  )
  const total = writers.reduce((a, w) => a + w.grid[0] * w.grid[1] * w.grid[2], 0)
  let done = 0
  let written = 0
  try {
    for (const [i, writer] of writers.entries()) {
      const input = i === 0 ? source : await openVolume(`${out}#${i - 1}`)
      try {
        for (const cell of cells(writer.grid)) {
          await checkpointYield(o.signal)
          done++
          if (writer.has(cell)) continue
          const region = writer.chunkRegion(cell)
          const values = await levelValues(input, region, levels[i]!, o.kind, o.rule ?? 'mode', source)
          writer.writeChunk(cell, values)
          written++
          if (done % 16 === 0 || done === total)
            o.onProgress?.({ fraction: done / total, message: `level ${i}: chunk ${cell.join(',')}` })
        }
      } finally {
        if (input !== source) input.close()
      }
    }
  } finally {
    source.close()
  }
  writeGroupAttributes(out, { source: o.source, kind: o.kind, rule, voxel, complete: true }, levels)
  o.onProgress?.({ fraction: 1, message: 'done' })
  return {
    out,
    levels: levels.map((l, i) => ({
      path: String(i),
      shape: l.shape,
      scale: voxel.map((v, d) => v * l.factor[d]!),
    })),
    chunksWritten: written,
    chunksKept: total - written,
  }
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

function prepareGroup(out: string, making: Making, levels: Level[]): void {
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
  if (existsSync(out)) throw new InputError(`${out}: exists and is not a pyramid; choose another --out`)
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
