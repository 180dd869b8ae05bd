import { InputError } from '../errors.ts'
import { throwIfCancelled } from '../jobs/index.ts'
import { blockShape, blocks, isIntegerDType, type Region, type Shape3, type Volume } from '../volume/index.ts'
import type { TypedArray } from '../volume/index.ts'
import { labelRuns, paintRuns, type Connectivity, type LabeledRuns } from './label.ts'
import { applyMorphology, haloOf, type Morphology } from './morphology.ts'
import { FaceJoiner, facesOf } from './faces.ts'
import { ProvisionalTable, type ComponentRecord } from './provisional.ts'

export type { ComponentRecord } from './provisional.ts'

export interface BlockwiseOptions {
  /** Foreground is value > threshold. Default: 0 for integer volumes, 0.5 for float ones (probabilities). */
  threshold?: number
  connectivity?: Connectivity
  /** Block shape; default: whole storage chunks up to ~32 MB of values. */
  block?: Shape3
  /** Components outside [minSize, maxSize] voxels are dropped (label 0 in the output). */
  minSize?: number
  maxSize?: number
  /** Applied to the thresholded mask before labeling, exact across blocks (blocks are read with a halo). */
  morphology?: Morphology
  /**
   * Receives the final instance labels block by block (a second pass, after the numbering: `count` is
   * the number of kept components); for a Zarr label volume.
   */
  labelsOut?: (region: Region, labels: Uint32Array, count: number) => Promise<void>
  signal?: AbortSignal
  onProgress?: (done: number, total: number, pass: 1 | 2) => void
}

export interface BlockwiseResult {
  count: number
  /** Foreground voxels in the kept components. */
  voxels: number
  /** Kept components, id 1..count in raster order of their first voxel (scipy.ndimage.label's order). */
  components: ComponentRecord[]
  threshold: number
  connectivity: Connectivity
  block: Shape3
  blocks: number
  /** Components found inside blocks before merging across block faces. */
  provisional: number
}

export function defaultThreshold(volume: Pick<Volume, 'dtype'>): number {
  return isIntegerDType(volume.dtype) ? 0 : 0.5
}

function threshold(values: TypedArray, t: number, mask: Uint8Array): void {
  if (values instanceof BigUint64Array || values instanceof BigInt64Array) {
    // Integer thresholds compare exactly; a fractional one means "above its floor".
    const bt = BigInt(Math.floor(t))
    for (let i = 0; i < values.length; i++) mask[i] = values[i]! > bt ? 1 : 0
    return
  }
  for (let i = 0; i < values.length; i++) mask[i] = values[i]! > t ? 1 : 0
}

function asNumber(values: TypedArray, i: number): number {
  return Number(values[i]!)
}

function expand(r: Region, halo: Shape3, shape: Shape3): Region {
  return {
    z0: Math.max(0, r.z0 - halo[0]),
    z1: Math.min(shape[0], r.z1 + halo[0]),
    y0: Math.max(0, r.y0 - halo[1]),
    y1: Math.min(shape[1], r.y1 + halo[1]),
    x0: Math.max(0, r.x0 - halo[2]),
    x1: Math.min(shape[2], r.x1 + halo[2]),
  }
}

/**
 * One block: its values (with the halo the morphology needs) and its labeled runs. The value of block
 * voxel (z, y, x) is values[origin + z * vz + y * vy + x].
 */
export interface BlockData {
  region: Region
  shape: Shape3
  values: TypedArray
  /** Strides of `values` and the block's origin inside it. */
  vy: number
  vz: number
  origin: number
  runs: LabeledRuns
}

/** What a labeling resolves from its options: shared by the one-process run and the block jobs. */
export interface LabelPlan {
  threshold: number
  connectivity: Connectivity
  block: Shape3
  /** The blocks in raster order of blocks: provisional ids are numbered in this order. */
  list: Region[]
  load: (region: Region) => Promise<BlockData>
}

export function planLabeling(volume: Volume, o: BlockwiseOptions = {}): LabelPlan {
  const connectivity = o.connectivity ?? 26
  if (![6, 18, 26].includes(connectivity)) {
    throw new InputError(`connectivity: expected 6, 18 or 26, got ${String(connectivity)}`)
  }
  const explicit = o.threshold !== undefined
  const t = o.threshold ?? defaultThreshold(volume)
  const floatVolume = !isIntegerDType(volume.dtype)
  const shape = volume.shape
  const block = o.block ?? blockShape(volume, 32 << 20)
  const halo = haloOf(o.morphology)
  const load = async (region: Region): Promise<BlockData> => {
    const bshape: Shape3 = [region.z1 - region.z0, region.y1 - region.y0, region.x1 - region.x0]
    const read = expand(region, halo, shape)
    const values = await volume.readRegion(read)
    const rshape: Shape3 = [read.z1 - read.z0, read.y1 - read.y0, read.x1 - read.x0]
    const vy = rshape[2]
    const vz = rshape[1] * rshape[2]
    const origin = (region.z0 - read.z0) * vz + (region.y0 - read.y0) * vy + (region.x0 - read.x0)
    if (floatVolume && !explicit) checkProbabilities(volume, values)
    let mask: Uint8Array = new Uint8Array(values.length)
    threshold(values, t, mask)
    if (o.morphology) {
      applyMorphology(mask, rshape, o.morphology)
      if (mask.length !== bshape[0] * bshape[1] * bshape[2]) mask = crop(mask, rshape, origin, bshape)
    }
    return { region, shape: bshape, values, vy, vz, origin, runs: labelRuns(mask, bshape, connectivity) }
  }
  return { threshold: t, connectivity, block, list: [...blocks(shape, block)], load }
}

/** Adds a labeled block's components to the table at `offset` (ids offset + 1 ..). */
export function addBlockStats(table: ProvisionalTable, data: BlockData, offset: number): void {
  table.addBlock(
    data.runs,
    data.region,
    offset,
    (i) => asNumber(data.values, i),
    data.origin,
    data.vy,
    data.vz,
  )
}

/**
 * 3D connected components of `value > threshold` over a volume of any size, block by block.
 *
 * Blocks are labeled alone in raster order of blocks; a component's provisional id is its block's offset
 * plus its label there. Every block then joins its voxels on its three low faces with the already-labeled
 * voxels across them in a union-find over provisional ids (FaceJoiner), so memory is a block plus one
 * plane, whatever the depth of the volume. Statistics (box, voxels, centroid, value sum and maximum) are
 * gathered per provisional id from the runs and merged at the end. The numbering is by each component's
 * first voxel in raster order, so labels equal whole-volume labeling (scipy.ndimage.label) label for
 * label. With `labelsOut` the blocks are labeled again (the same way, so the same provisional ids) and
 * written with their final labels. Block jobs (parts.ts) split the same loop across processes.
 */
export async function labelVolume(volume: Volume, o: BlockwiseOptions = {}): Promise<BlockwiseResult> {
  const plan = planLabeling(volume, o)
  const { list, load } = plan
  const [, Y, X] = volume.shape
  const table = new ProvisionalTable(Y, X)
  const joiner = new FaceJoiner(volume.shape, plan.connectivity, (a, b) => table.union(a, b))
  const offsetsOfBlock = new Float64Array(list.length)
  for (const [b, region] of list.entries()) {
    throwIfCancelled(o.signal)
    const data = await load(region)
    const offset = table.count
    offsetsOfBlock[b] = offset
    addBlockStats(table, data, offset)
    joiner.add(region, facesOf(data.runs, data.shape), offset)
    o.onProgress?.(b + 1, list.length, 1)
  }

  const { components, finalOf } = table.finish(o.minSize ?? 0, o.maxSize ?? Infinity)

  if (o.labelsOut) {
    for (const [b, region] of list.entries()) {
      throwIfCancelled(o.signal)
      const data = await load(region)
      const map = finalOf.subarray(offsetsOfBlock[b]!)
      const [bd, bh, bw] = data.shape
      const labels = paintRuns(data.runs, bw, new Uint32Array(bd * bh * bw), map)
      await o.labelsOut(region, labels, components.length)
      o.onProgress?.(b + 1, list.length, 2)
    }
  }
  return resultOf(plan, components, table.count)
}

export function resultOf(
  plan: LabelPlan,
  components: ComponentRecord[],
  provisional: number,
): BlockwiseResult {
  return {
    count: components.length,
    voxels: components.reduce((a, c) => a + c.voxels, 0),
    components,
    threshold: plan.threshold,
    connectivity: plan.connectivity,
    block: plan.block,
    blocks: plan.list.length,
    provisional,
  }
}

function crop(mask: Uint8Array, from: Shape3, origin: number, to: Shape3): Uint8Array {
  const out = new Uint8Array(to[0] * to[1] * to[2])
  for (let z = 0; z < to[0]; z++)
    for (let y = 0; y < to[1]; y++) {
      const src = origin + z * from[1] * from[2] + y * from[2]
      out.set(mask.subarray(src, src + to[2]), (z * to[1] + y) * to[2])
    }
  return out
}

/** Tolerance for probabilities stored with rounding (e.g. 1.0000001 from a float16 round trip). */
const PROBABILITY_SLACK = 1e-3

function checkProbabilities(volume: Volume, values: TypedArray): void {
  let lo = Infinity
  let hi = -Infinity
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]!)
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  if (lo < -PROBABILITY_SLACK || hi > 1 + PROBABILITY_SLACK || Number.isNaN(lo) || Number.isNaN(hi)) {
    throw new InputError(
      `${volume.spec}: ${volume.dtype} values from ${lo} to ${hi} are not probabilities in [0, 1], so the default threshold 0.5 means nothing; pass --threshold T`,
    )
  }
}
