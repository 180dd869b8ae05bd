import { InputError } from '../errors.ts'
import type { Roi } from '../proposals/index.ts'
import { openVolume } from '../volume/index.ts'

/**
 * Ground truth for simulated annotation (paper Sec. 6: an ROI is correct when its predicted mask covers
 * more than half of the ground-truth mask inside its box). Ground truth with nothing in the box makes the
 * ROI a false positive. Returns 1 (correct) or 0 per ROI, in the order given.
 */
export async function oracleLabels(
  rois: readonly Roi[],
  labelsSpec: string,
  gtSpec: string,
): Promise<Uint8Array> {
  const labels = await openVolume(labelsSpec)
  const gt = await openVolume(gtSpec)
  try {
    if (gt.shape.join() !== labels.shape.join())
      throw new InputError(
        `--gt ${gtSpec}: shape ${gt.shape.join('x')} differs from the proposals' ${labels.shape.join('x')}`,
      )
    const out = new Uint8Array(rois.length)
    for (const [k, r] of rois.entries()) {
      const region = { z0: r.z0, z1: r.z1, y0: r.y0, y1: r.y1, x0: r.x0, x1: r.x1 }
      const ids = await labels.readRegion(region)
      const truth = await gt.readRegion(region)
      let inside = 0
      let covered = 0
      for (let i = 0; i < ids.length; i++) {
        if (Number(truth[i]!) === 0) continue
        inside++
        if (Number(ids[i]!) === r.id) covered++
      }
      out[k] = inside > 0 && covered * 2 > inside ? 1 : 0
    }
    return out
  } finally {
    labels.close()
    gt.close()
  }
}
