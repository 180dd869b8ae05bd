import { statSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../engine/errors.ts'
import { TASK_CHANNELS } from '../engine/model/index.ts'
import { proposalSet, readPatches, roisOf, type PatchSet } from '../engine/proposals/index.ts'
import { volumeLevels } from '../engine/pyramid/index.ts'
import type { Project } from '../engine/store/index.ts'
import { latestRound, round as readRound } from '../engine/suggest/index.ts'
import { LevelledVolume, openVolume, readCrop, voxelSizeOf } from '../engine/volume/index.ts'
import type { Handlers } from './types.ts'

/** The last few patch files read, keyed by path and modification time: the grid asks for thumbnails page by page. */
const patchCache = new Map<string, { mtimeMs: number; patches: PatchSet; index: Map<number, number> }>()
const PATCH_CACHE_FILES = 4

async function patchesOf(file: string): Promise<{ patches: PatchSet; index: Map<number, number> }> {
  const mtimeMs = statSync(file).mtimeMs
  const hit = patchCache.get(file)
  if (hit && hit.mtimeMs === mtimeMs) {
    patchCache.delete(file)
    patchCache.set(file, hit)
    return hit
  }
  const patches = await readPatches(file)
  const index = new Map<number, number>()
  patches.roi.forEach((roi, row) => index.set(roi, row))
  const entry = { mtimeMs, patches, index }
  patchCache.set(file, entry)
  while (patchCache.size > PATCH_CACHE_FILES) patchCache.delete(patchCache.keys().next().value!)
  return entry
}

/**
 * The volumes the slice views read tiles of, kept open (each level's array) while in use: a view asks for
 * dozens of tiles a second. Reopened when the path's modification time changes (a rewritten store).
 */
const levelled = new Map<string, { mtimeMs: number; volume: Promise<LevelledVolume> }>()
const LEVELLED_VOLUMES = 8

function mtimeOf(spec: string): number {
  try {
    return statSync(spec.split('#')[0]!).mtimeMs
  } catch {
    return -1
  }
}

async function levelledVolume(spec: string): Promise<LevelledVolume> {
  const mtimeMs = mtimeOf(spec)
  const hit = levelled.get(spec)
  if (hit && hit.mtimeMs === mtimeMs) {
    levelled.delete(spec)
    levelled.set(spec, hit)
    return hit.volume
  }
  if (hit)
    void hit.volume.then(
      (v) => v.close(),
      () => {},
    )
  const volume = LevelledVolume.open(spec)
  levelled.set(spec, { mtimeMs, volume })
  volume.catch(() => {
    if (levelled.get(spec)?.volume === volume) levelled.delete(spec)
  })
  while (levelled.size > LEVELLED_VOLUMES) {
    const [oldest, entry] = levelled.entries().next().value!
    levelled.delete(oldest)
    void entry.volume.then(
      (v) => v.close(),
      () => {},
    )
  }
  return volume
}

/** The level 0 of the pyramid built for the project volume read from `spec`, if there is one. */
function pyramidOf(project: Project, spec: string): string | null {
  const volume = project.volumes().find((v) => v.source === spec)
  if (!volume) return null
  const found = volumeLevels(project, volume)
  return found?.origin === 'pyramid' ? found.multiscale.levels[0]!.spec : null
}

function toUint8(values: Uint8Array | Float32Array): Uint8Array {
  if (values instanceof Uint8Array) return values
  let low = Infinity
  let high = -Infinity
  for (const v of values) {
    if (v < low) low = v
    if (v > high) high = v
  }
  const scale = high > low ? 255 / (high - low) : 0
  return Uint8Array.from(values, (v) => Math.round((v - low) * scale))
}

export const viewHandlers: Pick<
  Handlers,
  'volume.crop' | 'volume.levels' | 'volume.tile' | 'rois.list' | 'round.get' | 'thumbs.get'
> = {
  'volume.levels': async ({ spec, dir }, ctx) => {
    // The reply's spec (the pyramid's level 0 where one was built) is what the tiles are then read from.
    const volume = await levelledVolume(
      dir === undefined ? spec : await ctx.projects.use(dir, (project) => pyramidOf(project, spec) ?? spec),
    )
    const [low, high] = await volume.window()
    return {
      spec: volume.base.spec,
      shape: volume.base.shape,
      voxelSizeNm: voxelSizeOf(volume.base.attributes),
      low,
      high,
      levels: volume.levels,
    }
  },

  'volume.tile': async ({ spec, level, axis, index, box, window }) => {
    const volume = await levelledVolume(spec)
    const tile = await volume.tile({ level, axis, index, box, window })
    return {
      dims: tile.dims,
      voxels: Buffer.from(tile.voxels.buffer, tile.voxels.byteOffset, tile.voxels.byteLength).toString(
        'base64',
      ),
    }
  },

  'volume.crop': async ({ spec, center, size, step, window, level }) => {
    if (level !== undefined) {
      const levels = await levelledVolume(spec)
      const info = levels.levels[level]
      if (!info) throw new InputError(`${spec}: no level ${level} (levels 0 to ${levels.levels.length - 1})`)
      if (info.strided)
        throw new InputError(
          `${spec}: level ${level} is level 0 at a stride (no pyramid); ask for a step instead`,
        )
      const volume = levels.volumes[level]!
      const crop = await readCrop(volume, { center, size, step, window })
      return {
        spec: levels.base.spec,
        shape: levels.base.shape,
        origin: crop.origin,
        dims: crop.dims,
        step: crop.step,
        low: crop.low,
        high: crop.high,
        voxelSizeNm: voxelSizeOf(levels.base.attributes),
        voxels: Buffer.from(crop.voxels.buffer, crop.voxels.byteOffset, crop.voxels.byteLength).toString(
          'base64',
        ),
        factor: info.factor,
      }
    }
    const volume = await openVolume(spec)
    try {
      const crop = await readCrop(volume, { center, size, step, window })
      const voxelSize = volume.attributes['resolution_nm_zyx'] ?? volume.attributes['resolution']
      const voxelSizeNm =
        Array.isArray(voxelSize) &&
        voxelSize.length === 3 &&
        voxelSize.every((v) => typeof v === 'number' && v > 0)
          ? (voxelSize as [number, number, number])
          : null
      return {
        spec: volume.spec,
        shape: volume.shape,
        origin: crop.origin,
        dims: crop.dims,
        step: crop.step,
        low: crop.low,
        high: crop.high,
        voxelSizeNm,
        voxels: Buffer.from(crop.voxels.buffer, crop.voxels.byteOffset, crop.voxels.byteLength).toString(
          'base64',
        ),
      }
    } finally {
      volume.close()
    }
  },

  'rois.list': async ({ dir, set }, ctx) =>
    ctx.projects.use(dir, (project) => {
      const found = proposalSet(project, set)
      if (!found) {
        if (set !== undefined) throw new InputError(`proposal set ${set}: no such set in ${dir}`)
        return null
      }
      return {
        setId: found.id,
        task: found.task,
        raw: found.raw,
        map: found.map,
        channels: TASK_CHANNELS[found.task].map((name) => ({ name, spec: `${found.map}#${name}` })),
        rois: roisOf(project, found.id).map((r) => ({
          id: r.id,
          box: [r.z0, r.y0, r.x0, r.z1, r.y1, r.x1] as [number, number, number, number, number, number],
          centroid: [r.cz, r.cy, r.cx] as [number, number, number],
          voxels: r.voxels,
          meanP: r.mean,
          polarity: r.polarity ? JSON.stringify(r.polarity) : null,
        })),
      }
    }),

  'round.get': async ({ dir, set, round }, ctx) =>
    ctx.projects.use(dir, (project) => {
      let id = round
      if (id === undefined) {
        const latest = latestRound(project, set)
        if (!latest) return null
        id = latest.id
      }
      const r = readRound(project, id)
      if (!r) throw new InputError(`round ${id}: no such round in ${dir}`)
      if (set !== undefined && r.setId !== set)
        throw new InputError(`round ${id}: not a round of proposal set ${set}`)
      return {
        id: r.id,
        setId: r.setId,
        number: r.number,
        strategy: r.strategy,
        createdAt: r.createdAt,
        queries: r.queries,
      }
    }),

  'thumbs.get': async ({ dir, set, rois }, ctx) => {
    const file = ctx.projects.use(dir, (project) => {
      const found = proposalSet(project, set)
      if (!found) throw new InputError(`proposal set ${set}: no such set in ${dir}`)
      return join(project.dir, found.dir, 'patches.h5')
    })
    const { patches, index } = await patchesOf(file)
    const s = patches.size
    const area = s * s
    const thumbs = rois.map((roi) => {
      const row = index.get(roi)
      if (row === undefined) throw new InputError(`ROI ${roi}: not in proposal set ${set}`)
      const image = toUint8(patches.thumbImage.subarray(row * area, (row + 1) * area))
      const mask = patches.thumbMask.subarray(row * area, (row + 1) * area)
      return {
        roi,
        image: Buffer.from(image.buffer, image.byteOffset, image.byteLength).toString('base64'),
        mask: Buffer.from(mask.buffer, mask.byteOffset, mask.byteLength).toString('base64'),
      }
    })
    return { size: s, thumbs }
  },
}
