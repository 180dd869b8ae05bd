/** The viewer's footer: what lies under the cursor (or at the focus), and which crop is loaded. */
import { roiAt, type CropBox, type RoiLike, type Vec3 } from './geometry.ts'
import { voxelValue, type CropVoxels } from './voxels.ts'
import { valueOf } from './window-level.ts'

export interface Readout {
  kind: 'cursor' | 'focus'
  position: string
  value: string
  probability: string
  roi: string
}

/** The voxel at `p`: its value in the volume's units (whole numbers for integer data), its probability, its ROI. */
export function readoutAt(
  p: Vec3,
  kind: Readout['kind'],
  crop: CropVoxels | null,
  rois: readonly RoiLike[],
  aspect: Vec3,
): Readout {
  const display = crop ? voxelValue(crop.raw, crop.origin, crop.dims, crop.step, p) : null
  const probability = crop?.prob ? voxelValue(crop.prob, crop.origin, crop.dims, crop.step, p) : null
  const value = display === null || !crop ? null : valueOf(display, crop.low, crop.high)
  const roi = roiAt(p, rois, aspect)
  return {
    kind,
    position: `x ${p[2]}  y ${p[1]}  z ${p[0]}`,
    value:
      value === null
        ? '–'
        : Number.isInteger(crop!.low) && Number.isInteger(crop!.high)
          ? String(Math.round(value))
          : value.toPrecision(4),
    probability: probability === null ? '–' : (probability / 255).toFixed(2),
    roi: roi ? `ROI ${roi.id}` : '',
  }
}

/** The loaded crop's voxel ranges (inclusive) and the volume's size, x y z. */
export function cropText(crop: CropBox | null, shape: Vec3 | null): string {
  if (!crop || !shape) return ''
  const range = (a: number): string => `${crop.origin[a]}–${crop.end[a]! - 1}`
  return `crop x ${range(2)} y ${range(1)} z ${range(0)} of ${shape[2]}×${shape[1]}×${shape[0]}`
}
