import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../engine/errors.ts'
import { TASK_CHANNELS } from '../engine/model/index.ts'
import {
  mapOffsetIn,
  proposalSet,
  readPatches,
  roisOf,
  setOffsetIn,
  sliceThumbs,
  type PatchSet,
  type ProposalSet,
  type SliceThumbSource,
} from '../engine/proposals/index.ts'
import { volumeLevels } from '../engine/pyramid/index.ts'
import type { Project } from '../engine/store/index.ts'
import { latestRound, round as readRound } from '../engine/suggest/index.ts'
import {
  LevelledVolume,
  openVolume,
  PlacedVolume,
  readCrop,
  voxelSizeOf,
  type Volume,
} from '../engine/volume/index.ts'
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

/** `spec` with its levels; a probability map `over` an image is read in that image's voxels (see placedMap). */
async function levelledVolume(spec: string, over?: string): Promise<LevelledVolume> {
  const key = over === undefined ? spec : `${spec}\n${over}`
  const mtimeMs = mtimeOf(spec)
  const hit = levelled.get(key)
  if (hit && hit.mtimeMs === mtimeMs) {
    levelled.delete(key)
    levelled.set(key, hit)
    return hit.volume
  }
  if (hit)
    void hit.volume.then(
      (v) => v.close(),
      () => {},
    )
  const volume = over === undefined ? LevelledVolume.open(spec) : placedLevels(spec, over)
  levelled.set(key, { mtimeMs, volume })
  volume.catch(() => {
    if (levelled.get(key)?.volume === volume) levelled.delete(key)
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

/**
 * A map over the image `over`: refused when it was predicted from another volume; laid at the box it was
 * predicted from when that is a box of the image (read at strides then: its own pyramid would not line up);
 * as it is when it lies at the image's origin or records no raw volume.
 */
async function placedMap(spec: string, over: string): Promise<Volume> {
  const map = await openVolume(spec)
  try {
    const offset = mapOffsetIn(spec, over)
    if (!offset) return map
    const shape = (await levelledVolume(over)).base.shape
    if (offset.every((o) => o === 0) && map.shape.join() === shape.join()) return map
    return new PlacedVolume(map, offset, shape)
  } catch (e) {
    map.close()
    throw e
  }
}

async function placedLevels(spec: string, over: string): Promise<LevelledVolume> {
  const map = await placedMap(spec, over)
  if (map instanceof PlacedVolume) return LevelledVolume.strided(spec, map)
  map.close()
  return LevelledVolume.open(spec)
}

/** The level 0 of the pyramid built for the project volume read from `spec`, if there is one. */
function pyramidOf(project: Project, spec: string): string | null {
  const volume = project.volumes().find((v) => v.source === spec)
  if (!volume) return null
  const found = volumeLevels(project, volume)
  return found?.origin === 'pyramid' ? found.multiscale.levels[0]!.spec : null
}

/** Where a set's thumbnails of other slices are cut from: refused for a set that records no raw volume. */
function sliceSourceOf(set: ProposalSet, dir: string, size: number): SliceThumbSource {
  if (!set.raw)
    throw new InputError(
      `proposal set ${set.id} records no raw volume: only its own slice's thumbnails exist`,
    )
  const channel = (name: string): string | null =>
    existsSync(join(set.map, name)) ? `${set.map}#${name}` : null
  const pre = set.task === 'synapse' ? channel('pre') : null
  const post = set.task === 'synapse' ? channel('post') : null
  const number = (key: string, fallback: number): number =>
    typeof set.params[key] === 'number' ? (set.params[key] as number) : fallback
  return {
    raw: set.raw,
    labels: `${join(dir, 'labels.zarr')}#labels`,
    sides: pre && post ? { pre, post, threshold: number('threshold', 0.5) } : null,
    size,
    scale: number('scale', 1),
  }
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
  'volume.levels': async ({ spec, dir, over }, ctx) => {
    // The reply's spec (the pyramid's level 0 where one was built) is what the tiles are then read from.
    const pyramid = dir === undefined ? null : ctx.projects.use(dir, (project) => pyramidOf(project, spec))
    let volume = await levelledVolume(spec, over)
    if (pyramid && !(volume.base instanceof PlacedVolume)) volume = await levelledVolume(pyramid)
    const [low, high] = await volume.window()
    return {
      spec: volume.base instanceof PlacedVolume ? volume.spec : volume.base.spec,
      shape: volume.base.shape,
      voxelSizeNm: voxelSizeOf(volume.base.attributes),
      low,
      high,
      levels: volume.levels,
    }
  },

  'volume.tile': async ({ spec, level, axis, index, box, window, over }) => {
    const volume = await levelledVolume(spec, over)
    const tile = await volume.tile({ level, axis, index, box, window })
    return {
      dims: tile.dims,
      voxels: Buffer.from(tile.voxels.buffer, tile.voxels.byteOffset, tile.voxels.byteLength).toString(
        'base64',
      ),
    }
  },

  'volume.crop': async ({ spec, center, size, step, window, range, level, over }) => {
    if (level !== undefined) {
      const levels = await levelledVolume(spec, over)
      const info = levels.levels[level]
      if (!info) throw new InputError(`${spec}: no level ${level} (levels 0 to ${levels.levels.length - 1})`)
      if (info.strided)
        throw new InputError(
          `${spec}: level ${level} is level 0 at a stride (no pyramid); ask for a step instead`,
        )
      const volume = levels.volumes[level]!
      const crop = await readCrop(volume, { center, size, step, window, ...(range ? { range } : {}) })
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
    const volume = over === undefined ? await openVolume(spec) : await placedMap(spec, over)
    try {
      const crop = await readCrop(volume, { center, size, step, window, ...(range ? { range } : {}) })
      const voxelSize = volume.attributes['resolution_nm_zyx'] ?? volume.attributes['resolution']
      const voxelSizeNm =
        Array.isArray(voxelSize) &&
        voxelSize.length === 3 &&
        voxelSize.every((v) => typeof v === 'number' && v > 0)
          ? (voxelSize as [number, number, number])
          : null
      return {
        spec: volume instanceof PlacedVolume ? spec : volume.spec,
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

  'rois.list': async ({ dir, set, volume }, ctx) =>
    ctx.projects.use(dir, (project) => {
      const found = proposalSet(project, set)
      if (!found) {
        if (set !== undefined) throw new InputError(`proposal set ${set}: no such set in ${dir}`)
        return null
      }
      const [dz, dy, dx] = volume === undefined ? [0, 0, 0] : setOffsetIn(found, volume)
      return {
        setId: found.id,
        task: found.task,
        raw: found.raw,
        map: found.map,
        channels: TASK_CHANNELS[found.task].map((name) => ({ name, spec: `${found.map}#${name}` })),
        volume: volume ?? found.raw,
        offset: [dz, dy, dx] as [number, number, number],
        rois: roisOf(project, found.id).map((r) => ({
          id: r.id,
          box: [r.z0 + dz, r.y0 + dy, r.x0 + dx, r.z1 + dz, r.y1 + dy, r.x1 + dx] as [
            number,
            number,
            number,
            number,
            number,
            number,
          ],
          centroid: [r.cz + dz, r.cy + dy, r.cx + dx] as [number, number, number],
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

  'thumbs.get': async ({ dir, set, rois, dz }, ctx) => {
    const found = ctx.projects.use(dir, (project) => {
      const found = proposalSet(project, set)
      if (!found) throw new InputError(`proposal set ${set}: no such set in ${dir}`)
      return { set: found, dir: join(project.dir, found.dir), boxes: dz ? roisOf(project, set) : [] }
    })
    const { patches, index } = await patchesOf(join(found.dir, 'patches.h5'))
    const s = patches.size
    const area = s * s
    const rowOf = (roi: number): number => {
      const row = index.get(roi)
      if (row === undefined) throw new InputError(`ROI ${roi}: not in proposal set ${set}`)
      return row
    }
    const encode = (roi: number, z: number, image: Uint8Array | Float32Array, mask: Int8Array) => {
      const grey = toUint8(image)
      return {
        roi,
        z,
        image: Buffer.from(grey.buffer, grey.byteOffset, grey.byteLength).toString('base64'),
        mask: Buffer.from(mask.buffer, mask.byteOffset, mask.byteLength).toString('base64'),
      }
    }
    if (!dz) {
      const thumbs = rois.map((roi) => {
        const row = rowOf(roi)
        const image = patches.thumbImage.subarray(row * area, (row + 1) * area)
        return encode(
          roi,
          patches.slice[row]!,
          image,
          patches.thumbMask.subarray(row * area, (row + 1) * area),
        )
      })
      return { size: s, thumbs }
    }
    const boxes = new Map(found.boxes.map((r) => [r.id, r]))
    const wanted = rois.map((roi) => ({ ...boxes.get(roi)!, slice: patches.slice[rowOf(roi)]! }))
    const thumbs = await sliceThumbs(sliceSourceOf(found.set, found.dir, s), wanted, dz)
    return { size: s, thumbs: thumbs.map((t) => encode(t.roi, t.z, t.image, t.mask)) }
  },
}
