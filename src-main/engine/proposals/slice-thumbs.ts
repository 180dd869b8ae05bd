/**
 * Query thumbnails of the slices around an ROI's own (the grid's enlarged z-1, z, z+1): each is cut from
 * the set's raw volume through the frame the stored thumbnail was cut through (the same crop, centre and
 * scale, found again from the ROI's voxels on its slice), so it lines up with that thumbnail pixel for
 * pixel, and at offset 0 it is that thumbnail. Its mask is the ROI's voxels on that slice, as pre/post
 * sides for synapses, like the stored one.
 */
import { sampleRotated, sampleRotatedNearest, sliceLabels, thumbFrame } from '../align/index.ts'
import { openVolume, toNumberArrayView, type Region, type Volume } from '../volume/index.ts'
import { cropRegion } from './roi-patch.ts'

/** Where a set's thumbnails come from: the volumes and the proposals parameters they were cut with. */
export interface SliceThumbSource {
  /** The raw volume the set was proposed on (with its box), and the set's own label volume. */
  raw: string
  labels: string
  /** Synapse sets: the map's pre- and post-synaptic channels, and the threshold the sides were cut at. */
  sides: { pre: string; post: string; threshold: number } | null
  /** The patches' side (pixels) and scale (patch pixels per voxel). */
  size: number
  scale: number
}

export interface SliceThumbRoi {
  id: number
  /** The ROI's box in the set's voxels, ends exclusive. */
  z0: number
  y0: number
  x0: number
  z1: number
  y1: number
  x1: number
  /** The slice its stored thumbnail was cut from. */
  slice: number
}

export interface SliceThumb {
  roi: number
  /** The slice shown: `slice + dz`, clamped to the volume. */
  z: number
  /** size x size; uint8 (rounded) for a uint8 volume, as the stored thumbnails are, else float32. */
  image: Uint8Array | Float32Array
  mask: Int8Array
}

/** The thumbnails of slice `slice + dz` (clamped to the volume's first and last slice) of each ROI. */
export async function sliceThumbs(
  source: SliceThumbSource,
  rois: readonly SliceThumbRoi[],
  dz: number,
): Promise<SliceThumb[]> {
  const opened: Volume[] = []
  const open = async (spec: string): Promise<Volume> => {
    const v = await openVolume(spec)
    opened.push(v)
    return v
  }
  try {
    const raw = await open(source.raw)
    const labels = await open(source.labels)
    const pre = source.sides ? await open(source.sides.pre) : null
    const post = source.sides ? await open(source.sides.post) : null
    const depth = raw.shape[0]
    const out: SliceThumb[] = []
    for (const roi of rois) {
      const z = Math.min(depth - 1, Math.max(0, roi.slice + dz))
      // The crop proposals cut the thumbnail from (the ROI's box and a margin), over the two slices.
      const region: Region = {
        ...cropRegion(roi, raw.shape, source),
        z0: Math.min(roi.slice, z),
        z1: Math.max(roi.slice, z) + 1,
      }
      const h = region.y1 - region.y0
      const w = region.x1 - region.x0
      const ids = toNumberArrayView(await labels.readRegion(region))
      const mask = Uint8Array.from(ids, (id) => (id === roi.id ? 1 : 0))
      const at = (slice: number): number => (slice - region.z0) * h * w
      const frame = thumbFrame(mask, h, w, at(roi.slice), source.size)
      let polarity: Int8Array | undefined
      if (pre && post && source.sides) {
        const p = toNumberArrayView(await pre.readRegion(region))
        const q = toNumberArrayView(await post.readRegion(region))
        const t = source.sides.threshold
        polarity = new Int8Array(mask.length)
        for (let k = 0; k < mask.length; k++) {
          const a = p[k]!
          const b = q[k]!
          polarity[k] = a > t && a >= b ? 1 : b > t ? -1 : 0
        }
      }
      const image = toNumberArrayView(await raw.readRegion(region))
      const sampled = sampleRotated(image, h, w, frame, at(z))
      const sides = sliceLabels(mask, polarity, h, w, at(z))
      out.push({
        roi: roi.id,
        z,
        image:
          raw.dtype === 'uint8'
            ? Uint8Array.from(sampled, (v) => Math.min(255, Math.max(0, Math.round(v))))
            : sampled,
        mask: sampleRotatedNearest(sides, h, w, frame),
      })
    }
    return out
  } finally {
    for (const v of opened) v.close()
  }
}
