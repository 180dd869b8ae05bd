/**
 * Alignment of one ROI for the grid and the query model (Lin et al., ECCV 2020, "Two-stream active query
 * suggestion", Sec. 3): pick one z-slice, turn it so the ROI's principal axis runs vertically (along the
 * patch rows) with the pre-synaptic side on the left, and cut fixed-size image and mask patches around the
 * mask centroid. Angles follow the convention of pca.ts (from +y towards +x, y = row).
 */
import { CONTACT_RADIUS, MIN_CONTACT_PIXELS, contactZone } from './contact.ts'
import { sliceLabels } from './labels.ts'
import { principalAxis, type PrincipalAxis } from './pca.ts'
import { sampleRotated, sampleRotatedNearest, type SampleFrame } from './sample.ts'
import { centralSlice, largestSlice, sliceAreas } from './slices.ts'

/**
 * 'paper': the largest-area slice, PCA of its whole mask. 'code' (the authors' release): the non-empty slice
 * nearest the mask's z-centre, PCA of the pre/post contact zone, falling back to the whole mask.
 */
export type AlignVariant = 'paper' | 'code'

export interface RoiCrop {
  /** [d, h, w] C-ordered crop of the raw image around the ROI (any numeric typed array). */
  image: ArrayLike<number>
  /** [d, h, w], non-zero inside the ROI. */
  mask: Uint8Array
  /** Synapses only: [d, h, w] with +1 pre-synaptic, -1 post-synaptic, 0 neither (inside or near the mask). */
  polarity?: Int8Array
  shape: [number, number, number]
}

export interface AlignOptions {
  /** Side of the square patches in pixels; 64 by default. */
  size?: number
  variant?: AlignVariant
  /** Output pixels per input pixel; 1 = native resolution. */
  scale?: number
}

export interface AlignedRoi {
  /** z index inside the crop that was used. */
  slice: number
  /** (y, x) in the crop of the rotation centre: the mask centroid on that slice; lands on patch pixel (m, m), m = floor(size / 2). */
  centre: [number, number]
  /**
   * Direction in the crop, from +y towards +x in degrees, that became the patch's +y (downwards): the patch
   * shows the crop turned by -angleDeg. In (-180, 180], including the 180-degree pre-left turn.
   */
  angleDeg: number
  /** Whether the 180-degree turn that puts the pre-synaptic side on the left was applied. */
  flipped: boolean
  /** What the orientation was fitted to: the whole slice mask or the synapse's pre/post contact zone. */
  orientedBy: 'mask' | 'contact'
  /** size*size, bilinear; pixels outside the crop take the nearest edge value. */
  image: Float32Array
  /**
   * size*size, nearest: 0 background, 1 inside an ROI without polarity, +1 pre / -1 post inside a synapse
   * (a mask pixel with polarity 0 takes the sign of the nearest polarity pixel, see labels.ts).
   */
  mask: Int8Array
  /**
   * size*size, not rotated: the slice around `centre` scaled by `thumbScale` so that the mask's bounding box
   * on the slice fits with a 25% margin (and at least 8 crop pixels each way), for the grid.
   */
  thumbImage: Float32Array
  /** Same geometry and encoding as `mask`, on the thumbnail's frame. */
  thumbMask: Int8Array
  /** Thumbnail pixels per crop pixel. */
  thumbScale: number
}

const DEFAULT_SIZE = 64
/** Thumbnail half-extent relative to the farthest mask box edge from the centre. */
const THUMB_MARGIN = 1.25
/** Smallest thumbnail half-extent in crop pixels: a tiny ROI still shows some of its surroundings. */
const THUMB_MIN_RADIUS = 8

export function alignRoi(crop: RoiCrop, options: AlignOptions = {}): AlignedRoi {
  const size = options.size ?? DEFAULT_SIZE
  const variant = options.variant ?? 'paper'
  const scale = options.scale ?? 1
  const { shape, mask, polarity } = crop
  const [d, h, w] = shape
  checkCrop(crop)
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`alignRoi: size must be a positive integer, got ${size}`)
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new Error(`alignRoi: scale must be positive and finite, got ${scale}`)

  const areas = sliceAreas(mask, shape)
  const slice = variant === 'code' ? centralSlice(areas) : largestSlice(areas)
  if (slice < 0)
    throw new Error(`alignRoi: the ROI mask is empty (no non-zero voxel in the ${d}x${h}x${w} crop)`)
  const offset = slice * h * w
  const whole = principalAxis(mask, h, w, offset)!

  let axis: PrincipalAxis = whole
  let orientedBy: AlignedRoi['orientedBy'] = 'mask'
  if (variant === 'code' && polarity) {
    const { zone, count } = contactZone(polarity, h, w, offset, CONTACT_RADIUS)
    if (count >= MIN_CONTACT_PIXELS) {
      axis = principalAxis(zone, h, w)!
      orientedBy = 'contact'
    }
  }

  const labels = sliceLabels(mask, polarity, h, w, offset)
  const { cy, cx } = whole
  let { dy, dx } = axis
  let angleRad = axis.angleRad
  let flipped = false
  if (polarity) {
    // Patch column offset of a crop pixel is (y - cy) * -dx + (x - cx) * dy; pre must end up smaller.
    let side = preMinusPost(labels, h, w, 0, cy, cx, dy, dx)
    if (Number.isNaN(side)) side = preMinusPost(polarity, h, w, offset, cy, cx, dy, dx)
    if (side > 0) {
      dy = -dy
      dx = -dx
      angleRad += Math.PI
      flipped = true
    }
  }

  const frame: SampleFrame = { cy, cx, dy, dx, scale, size }
  const thumbFrame = thumbFrameAt(mask, h, w, offset, cy, cx, size)
  const thumbScale = thumbFrame.scale
  return {
    slice,
    centre: [cy, cx],
    angleDeg: normaliseDegrees((angleRad * 180) / Math.PI),
    flipped,
    orientedBy,
    image: sampleRotated(crop.image, h, w, frame, offset),
    mask: sampleRotatedNearest(labels, h, w, frame),
    thumbImage: sampleRotated(crop.image, h, w, thumbFrame, offset),
    thumbMask: sampleRotatedNearest(labels, h, w, thumbFrame),
    thumbScale,
  }
}

function checkCrop(crop: RoiCrop): void {
  const { shape } = crop
  if (shape.length !== 3 || !shape.every((n) => Number.isInteger(n) && n > 0))
    throw new Error(`alignRoi: crop shape must be three positive integers, got [${shape.join(', ')}]`)
  const n = shape[0] * shape[1] * shape[2]
  const sizes: Array<[string, number | undefined]> = [
    ['image', crop.image.length],
    ['mask', crop.mask.length],
    ['polarity', crop.polarity?.length],
  ]
  for (const [name, length] of sizes)
    if (length !== undefined && length !== n)
      throw new Error(`alignRoi: ${name} has ${length} voxels for crop shape ${shape.join('x')}`)
}

/**
 * Mean patch column of pre (> 0) minus that of post (< 0) pixels of the plane; NaN when one side is
 * missing. Only the sign matters, so the scale is left out.
 */
function preMinusPost(
  values: ArrayLike<number>,
  h: number,
  w: number,
  offset: number,
  cy: number,
  cx: number,
  dy: number,
  dx: number,
): number {
  let nPre = 0
  let nPost = 0
  let sPre = 0
  let sPost = 0
  for (let y = 0; y < h; y++) {
    const row = offset + y * w
    const base = -(y - cy) * dx - cx * dy
    for (let x = 0; x < w; x++) {
      const p = values[row + x]!
      if (p === 0) continue
      const v = base + x * dy
      if (p > 0) {
        nPre++
        sPre += v
      } else {
        nPost++
        sPost += v
      }
    }
  }
  return nPre === 0 || nPost === 0 ? NaN : sPre / nPre - sPost / nPost
}

/**
 * The thumbnail's frame on the h x w plane of `mask` at `offset` (the ROI's voxels non-zero): not rotated,
 * centred on the mask's centroid there, scaled so its box fits with a margin. Other slices sampled through
 * the same frame line up with the thumbnail pixel for pixel (the grid's enlarged z-1, z, z+1).
 */
export function thumbFrame(
  mask: ArrayLike<number>,
  h: number,
  w: number,
  offset: number,
  size: number,
): SampleFrame {
  const axis = principalAxis(mask, h, w, offset)
  if (!axis) throw new Error(`thumbFrame: the ROI mask is empty on the ${h}x${w} plane at ${offset}`)
  return thumbFrameAt(mask, h, w, offset, axis.cy, axis.cx, size)
}

function thumbFrameAt(
  mask: ArrayLike<number>,
  h: number,
  w: number,
  offset: number,
  cy: number,
  cx: number,
  size: number,
): SampleFrame {
  return { cy, cx, dy: 1, dx: 0, scale: thumbScaleOf(mask, h, w, offset, cy, cx, size), size }
}

/** Thumbnail scale so the mask box on the slice fits around the (off-box-centre) centroid with a margin. */
function thumbScaleOf(
  mask: ArrayLike<number>,
  h: number,
  w: number,
  offset: number,
  cy: number,
  cx: number,
  size: number,
): number {
  let y0 = h
  let y1 = -1
  let x0 = w
  let x1 = -1
  for (let y = 0; y < h; y++) {
    const row = offset + y * w
    for (let x = 0; x < w; x++) {
      if (mask[row + x] === 0) continue
      if (y < y0) y0 = y
      y1 = y
      if (x < x0) x0 = x
      if (x > x1) x1 = x
    }
  }
  // Pixel edges, not centres, must fit: hence the half pixel.
  const extent = Math.max(cy - y0, y1 - cy, cx - x0, x1 - cx) + 0.5
  const radius = Math.max(extent * THUMB_MARGIN, THUMB_MIN_RADIUS)
  // The patch reaches floor((size - 1) / 2) pixels on its shorter side of the centre pixel.
  return Math.max(1, Math.floor((size - 1) / 2)) / radius
}

function normaliseDegrees(deg: number): number {
  let a = deg % 360
  if (a > 180) a -= 360
  else if (a <= -180) a += 360
  return a
}
