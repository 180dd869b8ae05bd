/**
 * Volume geometry of the viewer, all in voxel indices ordered z, y, x (the order of the API and of
 * C-order arrays). Voxel centres sit on integer coordinates; boxes are [start, end) per axis.
 */

export type Vec3 = [number, number, number]
/** [z0, y0, x0, z1, y1, x1], end exclusive (as rois.list sends it). */
export type Box6 = [number, number, number, number, number, number]

export interface CropBox {
  origin: Vec3
  /** Exclusive. */
  end: Vec3
}

export interface RoiLike {
  id: number
  box: Box6
  centroid: Vec3
}

/** The viewer's default crop: enough context around a synapse or mitochondrion, small enough to send at once. */
export const DEFAULT_CROP_SIZE: Vec3 = [48, 192, 192]

/**
 * Where the host places a crop of `size` around `center`: clipped to the volume and shifted inward at
 * its borders so the box keeps its size (the same rule as the engine's readCrop).
 */
export function placeCrop(center: Vec3, size: Vec3, shape: Vec3): CropBox {
  const origin: Vec3 = [0, 0, 0]
  const end: Vec3 = [0, 0, 0]
  for (let a = 0; a < 3; a++) {
    const n = Math.min(size[a]!, shape[a]!)
    origin[a] = Math.max(0, Math.min(shape[a]! - n, Math.round(center[a]!) - Math.floor(n / 2)))
    end[a] = origin[a]! + n
  }
  return { origin, end }
}

export function boxContains(box: CropBox, p: Vec3): boolean {
  return [0, 1, 2].every((a) => p[a]! >= box.origin[a]! && p[a]! < box.end[a]!)
}

/**
 * Whether the focus needs a new crop: it left the crop, or it came within `margin` voxels of a crop
 * face behind which the volume goes on (at the volume's own border there is nothing more to read).
 */
export function needsRecrop(focus: Vec3, crop: CropBox, shape: Vec3, margin: Vec3): boolean {
  if (!boxContains(crop, focus)) return true
  for (let a = 0; a < 3; a++) {
    const p = focus[a]!
    if (crop.origin[a]! > 0 && p < crop.origin[a]! + margin[a]!) return true
    if (crop.end[a]! < shape[a]! && p >= crop.end[a]! - margin[a]!) return true
  }
  return false
}

/** An eighth of the crop on each axis (none on an axis the crop covers whole). */
export function recropMargin(size: Vec3): Vec3 {
  return size.map((n) => Math.floor(n / 8)) as Vec3
}

export function clampVoxel(p: Vec3, shape: Vec3): Vec3 {
  return p.map((v, a) => Math.max(0, Math.min(shape[a]! - 1, Math.round(v)))) as Vec3
}

export function roiContains(box: Box6, p: Vec3): boolean {
  return p[0] >= box[0] && p[0] < box[3] && p[1] >= box[1] && p[1] < box[4] && p[2] >= box[2] && p[2] < box[5]
}

/**
 * The ROI under a voxel: among the ROIs whose box contains it, the one with the nearest centroid,
 * distances measured in physical units (`aspect`: voxel size per axis, any unit).
 */
export function roiAt<R extends RoiLike>(
  voxel: Vec3,
  rois: readonly R[],
  aspect: Vec3 = [1, 1, 1],
): R | null {
  let best: R | null = null
  let bestDistance = Infinity
  for (const roi of rois) {
    if (!roiContains(roi.box, voxel)) continue
    let d = 0
    for (let a = 0; a < 3; a++) d += ((voxel[a]! - roi.centroid[a]!) * aspect[a]!) ** 2
    if (d < bestDistance) {
      best = roi
      bestDistance = d
    }
  }
  return best
}

/** Voxel size relative to the finest axis (1 on that axis); isotropic when the size is unknown. */
export function aspectOf(voxelSizeNm: Vec3 | null | undefined): Vec3 {
  if (!voxelSizeNm) return [1, 1, 1]
  const finest = Math.min(...voxelSizeNm)
  return voxelSizeNm.map((v) => v / finest) as Vec3
}
