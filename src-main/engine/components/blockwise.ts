import { InputError } from '../errors.ts'
import { throwIfCancelled } from '../jobs/index.ts'
import { blockShape, blocks, isIntegerDType, type Region, type Shape3, type Volume } from '../volume/index.ts'
import type { TypedArray } from '../volume/index.ts'
import { labelRuns, paintRuns, type Connectivity, type LabeledRuns } from './label.ts'
import { applyMorphology, haloOf, type Morphology } from './morphology.ts'
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

/** How many of dz, dy, dx may be non-zero in a neighbor offset of each connectivity. */
const NONZERO: Record<Connectivity, number> = { 6: 1, 18: 2, 26: 3 }

function offsets(c: Connectivity, filter: (dz: number, dy: number, dx: number) => boolean): number[][] {
  const out: number[][] = []
  for (let dz = -1; dz <= 1; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const n = (dz !== 0 ? 1 : 0) + (dy !== 0 ? 1 : 0) + (dx !== 0 ? 1 : 0)
        if (n > 0 && n <= NONZERO[c] && filter(dz, dy, dx)) out.push([dz, dy, dx])
      }
  return out
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
interface BlockData {
  region: Region
  shape: Shape3
  values: TypedArray
  /** Strides of `values` and the block's origin inside it. */
  vy: number
  vz: number
  origin: number
  runs: LabeledRuns
}

/**
 * 3D connected components of `value > threshold` over a volume of any size, block by block.
 *
 * Blocks are labeled alone in raster order of blocks; a component's provisional id is its block's offset
 * plus its label there. Every block then joins its voxels on its three low faces (z0, y0, x0) with the
 * already-labeled voxels across them in a union-find over provisional ids. Those voxels are kept as three
 * faces of provisional ids: the plane just below the current layer of blocks (Y x X), the row just before
 * the current row of blocks (depth x X) and the column just before the current block (depth x height),
 * so memory is a block plus one plane, whatever the depth of the volume. Statistics (box, voxels,
 * centroid, value sum and maximum) are gathered per provisional id from the runs and merged at the end.
 * The numbering is by each component's first voxel in raster order, so labels equal whole-volume
 * labeling (scipy.ndimage.label) label for label. With `labelsOut` the blocks are labeled again (the same
 * way, so the same provisional ids) and written with their final labels.
 */
export async function labelVolume(volume: Volume, o: BlockwiseOptions = {}): Promise<BlockwiseResult> {
  const connectivity = o.connectivity ?? 26
  if (![6, 18, 26].includes(connectivity)) {
    throw new InputError(`connectivity: expected 6, 18 or 26, got ${String(connectivity)}`)
  }
  const explicit = o.threshold !== undefined
  const t = o.threshold ?? defaultThreshold(volume)
  const floatVolume = !isIntegerDType(volume.dtype)
  const shape = volume.shape
  const [, Y, X] = shape
  const block = o.block ?? blockShape(volume, 32 << 20)
  const halo = haloOf(o.morphology)
  const list = [...blocks(shape, block)]
  const table = new ProvisionalTable(Y, X)
  const offsetsOfBlock = new Float64Array(list.length)

  // Neighbors across the three low faces, by which face store holds them.
  const acrossZ = offsets(connectivity, (dz) => dz === -1)
  const acrossY = offsets(connectivity, (_dz, dy) => dy === -1)
  const acrossX = offsets(connectivity, (_dz, _dy, dx) => dx === -1)
  // Across y and x a neighbor outside the block's z (or y) range is either handled by an earlier face
  // (below the layer) or not labeled yet (a later layer or row), which joins it from its own side.
  let below = new Uint32Array(0)
  let belowNext = new Uint32Array(0)
  let before = new Uint32Array(0)
  let beforeNext = new Uint32Array(0)
  let left = new Uint32Array(0)

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

  for (const [b, region] of list.entries()) {
    throwIfCancelled(o.signal)
    const data = await load(region)
    const offset = table.count
    offsetsOfBlock[b] = offset
    table.addBlock(data.runs, region, offset, (i) => asNumber(data.values, i), data.origin, data.vy, data.vz)
    const [bd, bh, bw] = data.shape
    const { rowStart, starts, ends, label } = data.runs
    if (region.y0 === 0 && region.x0 === 0) {
      // A new layer of blocks: the plane written by the last layer becomes the one below.
      ;[below, belowNext] = [belowNext, below]
      if (belowNext.length !== Y * X) belowNext = new Uint32Array(Y * X)
      if (before.length !== bd * X) {
        before = new Uint32Array(bd * X)
        beforeNext = new Uint32Array(bd * X)
      }
      left = new Uint32Array(bd * bh)
    }
    if (region.x0 === 0) {
      ;[before, beforeNext] = [beforeNext, before]
      if (left.length !== bd * bh) left = new Uint32Array(bd * bh)
    }
    const join = (g: number, store: Uint32Array, at: number): void => {
      const other = store[at]!
      if (other !== 0) table.union(g, other)
    }
    // Low z face: neighbors in the plane below (z0 - 1).
    if (region.z0 > 0) {
      for (let y = 0; y < bh; y++) {
        for (let k = rowStart[y]!; k < rowStart[y + 1]!; k++) {
          const g = offset + label[k]!
          for (let x = starts[k]!; x < ends[k]!; x++) {
            const gy = region.y0 + y
            const gx = region.x0 + x
            for (const [, dy, dx] of acrossZ) {
              const ny = gy + dy!
              const nx = gx + dx!
              if (ny >= 0 && ny < Y && nx >= 0 && nx < X) join(g, below, ny * X + nx)
            }
          }
        }
      }
    }
    // Low y face: neighbors in the row of blocks before (y0 - 1), same layer.
    if (region.y0 > 0) {
      for (let z = 0; z < bd; z++) {
        const row = z * bh
        for (let k = rowStart[row]!; k < rowStart[row + 1]!; k++) {
          const g = offset + label[k]!
          for (let x = starts[k]!; x < ends[k]!; x++) {
            const gx = region.x0 + x
            for (const [dz, , dx] of acrossY) {
              const nz = z + dz!
              const nx = gx + dx!
              if (nz >= 0 && nz < bd && nx >= 0 && nx < X) join(g, before, nz * X + nx)
            }
          }
        }
      }
    }
    // Low x face: neighbors in the block before (x0 - 1), same row of blocks.
    if (region.x0 > 0) {
      for (let z = 0; z < bd; z++) {
        for (let y = 0; y < bh; y++) {
          const row = z * bh + y
          const k = rowStart[row]!
          if (k === rowStart[row + 1]! || starts[k]! !== 0) continue
          const g = offset + label[k]!
          for (const [dz, dy] of acrossX) {
            const nz = z + dz!
            const ny = y + dy!
            if (nz >= 0 && nz < bd && ny >= 0 && ny < bh) join(g, left, nz * bh + ny)
          }
        }
      }
    }
    // This block's high faces, for the blocks after it.
    for (let y = 0; y < bh; y++)
      belowNext.fill(0, (region.y0 + y) * X + region.x0, (region.y0 + y) * X + region.x1)
    for (let z = 0; z < bd; z++) beforeNext.fill(0, z * X + region.x0, z * X + region.x1)
    left.fill(0)
    for (let z = 0; z < bd; z++) {
      for (let y = 0; y < bh; y++) {
        const row = z * bh + y
        for (let k = rowStart[row]!; k < rowStart[row + 1]!; k++) {
          const g = offset + label[k]!
          if (z === bd - 1) {
            const base = (region.y0 + y) * X + region.x0
            belowNext.fill(g, base + starts[k]!, base + ends[k]!)
          }
          if (y === bh - 1) beforeNext.fill(g, z * X + region.x0 + starts[k]!, z * X + region.x0 + ends[k]!)
          if (ends[k] === bw) left[z * bh + y] = g
        }
      }
    }
    o.onProgress?.(b + 1, list.length, 1)
  }

  const minSize = o.minSize ?? 0
  const maxSize = o.maxSize ?? Infinity
  const { components, finalOf } = table.finish(minSize, maxSize)

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
  return {
    count: components.length,
    voxels: components.reduce((a, c) => a + c.voxels, 0),
    components,
    threshold: t,
    connectivity,
    block,
    blocks: list.length,
    provisional: table.count,
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
