import { applyMasks, type RoiMask } from '../labels/index.ts'
import { blocks, openVolume, type Shape3, type Volume } from '../volume/index.ts'
import { InputError } from '../errors.ts'
import type { ArraySpec, DataSink } from './sink.ts'

export interface LabelVolumeResult {
  shape: Shape3
  dtype: string
  chunks: Shape3
  /** Voxels of ROIs kept (non-zero in labels/corrected) and set to 0. */
  keptVoxels: number
  removedVoxels: number
}

/**
 * Writes the set's instance labels twice, chunk by chunk: as proposed (`labels/instances`, what a
 * re-import restores) and corrected (`labels/corrected`: each ROI's newest corrected mask where an
 * annotator corrected it, then ROIs judged incorrect set to 0). Memory is one
 * chunk, whatever the volume's size.
 */
export async function writeLabelVolumes(
  spec: string,
  removed: ReadonlySet<number>,
  sink: DataSink,
  attributes: { instances: Record<string, unknown>; corrected: Record<string, unknown> },
  masks: readonly RoiMask[] = [],
): Promise<LabelVolumeResult> {
  let volume: Volume
  try {
    volume = await openVolume(spec)
  } catch (e) {
    throw new InputError(`the proposal set's label volume ${spec} cannot be read: ${(e as Error).message}`)
  }
  try {
    if (volume.dtype !== 'uint32')
      throw new InputError(`${spec}: expected uint32 instance labels, found ${volume.dtype}`)
    const chunks = volume.chunks.map((c, d) => Math.max(1, Math.min(c, volume.shape[d]!))) as Shape3
    const base: ArraySpec = { shape: [...volume.shape], dtype: 'uint32', chunks }
    const instances = sink.array('labels/instances', { ...base, attributes: attributes.instances })
    const corrected = sink.array('labels/corrected', { ...base, attributes: attributes.corrected })
    let top = 0
    for (const id of removed) top = Math.max(top, id)
    const drop = new Uint8Array(top + 1)
    for (const id of removed) drop[id] = 1
    let keptVoxels = 0
    let removedVoxels = 0
    for (const r of blocks(volume.shape, chunks)) {
      const ids = (await volume.readRegion(r)) as Uint32Array
      const start = [r.z0, r.y0, r.x0]
      const shape = [r.z1 - r.z0, r.y1 - r.y0, r.x1 - r.x0]
      instances.writeBox(start, shape, ids)
      const out = new Uint32Array(ids)
      applyMasks(out, r, masks)
      for (let i = 0; i < out.length; i++) {
        const id = out[i]!
        if (id === 0) continue
        if (id < drop.length && drop[id] === 1) {
          out[i] = 0
          removedVoxels++
        } else keptVoxels++
      }
      corrected.writeBox(start, shape, out)
    }
    return { shape: volume.shape, dtype: volume.dtype, chunks, keptVoxels, removedVoxels }
  } finally {
    volume.close()
  }
}
