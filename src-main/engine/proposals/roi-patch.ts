/**
 * One ROI's aligned image and mask patches and its thumbnail, cut from a crop around its box: the
 * recipe `proposals` follows for each new ROI, and `export` follows again for an ROI whose mask an
 * annotator corrected, so its crops show the mask as it now is.
 */
import { alignRoi, cropRadius, type AlignedRoi, type AlignVariant } from '../align/index.ts'
import type { Region, Shape3, TypedArray, Volume } from '../volume/index.ts'
import type { PatchSet } from './patches.ts'

export interface PatchRecipe {
  /** Side of the square patches in pixels. */
  size: number
  /** Patch pixels per voxel. */
  scale: number
  variant: AlignVariant
  /** Synapses: a voxel is pre- or post-synaptic above this probability. */
  threshold: number
}

export interface PatchSources {
  raw: Volume
  /** The map's pre- and post-synaptic channels (synapses), for the side each voxel is on. */
  pre: Volume | null
  post: Volume | null
}

/** The crop a box's patches are cut from: the box, widened in y and x by what the rotated patch reaches. */
export function cropRegion(box: Region, shape: Shape3, recipe: Pick<PatchRecipe, 'size' | 'scale'>): Region {
  const radius = cropRadius(recipe.size, recipe.scale)
  return {
    z0: box.z0,
    z1: box.z1,
    y0: Math.max(0, box.y0 - radius),
    y1: Math.min(shape[1], box.y1 + radius),
    x0: Math.max(0, box.x0 - radius),
    x1: Math.min(shape[2], box.x1 + radius),
  }
}

/** The patches of the ROI whose voxels are `mask` (1 inside, over `region`). */
export async function roiPatch(
  sources: PatchSources,
  region: Region,
  mask: Uint8Array,
  recipe: PatchRecipe,
): Promise<AlignedRoi> {
  const shape: Shape3 = [region.z1 - region.z0, region.y1 - region.y0, region.x1 - region.x0]
  let sides: Int8Array | undefined
  if (sources.pre && sources.post) {
    const p = await sources.pre.readRegion(region)
    const q = await sources.post.readRegion(region)
    sides = new Int8Array(mask.length)
    for (let k = 0; k < mask.length; k++) {
      const a = Number(p[k]!)
      const b = Number(q[k]!)
      sides[k] = a > recipe.threshold && a >= b ? 1 : b > recipe.threshold ? -1 : 0
    }
  }
  const image = numeric(await sources.raw.readRegion(region))
  return alignRoi(
    { image, mask, ...(sides ? { polarity: sides } : {}), shape },
    { size: recipe.size, variant: recipe.variant, scale: recipe.scale },
  )
}

/** Writes ROI `roi`'s patches into row `row` of the set; `z0` is the crop's first z in the volume. */
export function putPatch(patches: PatchSet, row: number, roi: number, aligned: AlignedRoi, z0: number): void {
  const at = row * patches.size * patches.size
  patches.roi[row] = roi
  copyPatch(aligned.image, patches.image, at)
  patches.mask.set(aligned.mask, at)
  copyPatch(aligned.thumbImage, patches.thumbImage, at)
  patches.thumbMask.set(aligned.thumbMask, at)
  patches.slice[row] = z0 + aligned.slice
  patches.angle[row] = aligned.angleDeg
  patches.flipped[row] = aligned.flipped ? 1 : 0
}

/** 64-bit integer volumes (rare for raw EM) are read as doubles: alignment works on numbers. */
export function numeric(a: TypedArray): ArrayLike<number> {
  return a instanceof BigUint64Array || a instanceof BigInt64Array ? Float64Array.from(a, Number) : a
}

function copyPatch(from: Float32Array, to: Uint8Array | Float32Array, at: number): void {
  if (to instanceof Float32Array) {
    to.set(from, at)
    return
  }
  for (let k = 0; k < from.length; k++) to[at + k] = Math.min(255, Math.max(0, Math.round(from[k]!)))
}
