import { InputError } from '../errors.ts'
import {
  allocate,
  blockShape,
  blocks,
  isIntegerDType,
  openVolume,
  regionSize,
  type Shape3,
  type TypedArray,
  type Volume,
} from '../volume/index.ts'
import { labelComponents } from '../components/index.ts'
import type { Sampling } from './edt.ts'
import { binaryScores, cremiCleft, instanceF1 } from './metrics.ts'

export const METRICS = ['cremi', 'voc', 'dice', 'f1'] as const
export type Metric = (typeof METRICS)[number]

export interface EvaluateOptions {
  /** A float prediction is foreground where value > threshold (default 0.5); integer ones where > 0. */
  threshold?: number
  /** Voxel size in nm, [z, y, x]; else the `resolution_nm_zyx` or `resolution` attribute of either volume. */
  samplingNm?: Sampling
  /** f1 only: IoU for two instances to match (default 0.5). */
  iouThreshold?: number
}

/** JSON-ready: finite numbers only (a value that would be Infinity is null, and `note` says why). */
export interface EvaluationResult {
  metric: Metric
  pred: string
  gt: string
  shape: Shape3
  /** The threshold applied to a float prediction; null for an integer prediction. */
  threshold: number | null
  voxelSizeNm?: Sampling
  [value: string]: unknown
}

/**
 * CREMI's uint64 markers: 2^64-1 is "no label" (background), 2^64-2 marks ground-truth voxels left out of
 * scoring. Values from CREMI_IGNORE up are never foreground.
 */
const CREMI_IGNORE = 0xfffffffffffffffen

/**
 * Scores a prediction against a ground truth of the same shape.
 *
 * Foreground: a float prediction where value > threshold; an integer volume where value > 0 (and, for
 * uint64 volumes, not CREMI's background marker 2^64-1; ground-truth voxels equal to 2^64-2 are CREMI's
 * "invalid" voxels and are left out of every metric). Ground truth: value > 0.
 * Instances (f1): an integer volume's non-zero ids as they are, unless it holds a single non-zero value
 * (a binary mask, e.g. 0/1 or 0/255): then, like a thresholded float prediction, it is split into its
 * 26-connected components.
 *
 * Both volumes are read block by block into whole-volume arrays: 1 byte per voxel and volume for masks
 * (dice, voc, plus 1 for an ignore mask), 4 more for the float32 distances of cremi, 4 bytes per voxel and
 * volume for instance labels (f1, plus 1 transient byte when a mask is labeled).
 */
export async function evaluate(
  predSpec: string,
  gtSpec: string,
  metric: Metric,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  if (!(METRICS as readonly string[]).includes(metric)) {
    throw new InputError(`unknown metric '${String(metric)}', expected one of ${METRICS.join(', ')}`)
  }
  const threshold = options.threshold ?? 0.5
  if (!Number.isFinite(threshold)) throw new InputError(`threshold must be a finite number, got ${threshold}`)
  const iouThreshold = options.iouThreshold ?? 0.5
  if (!(iouThreshold > 0 && iouThreshold <= 1)) {
    throw new InputError(`IoU threshold must be in (0, 1], got ${iouThreshold}`)
  }
  if (options.samplingNm) checkSampling(options.samplingNm, 'voxel size')

  const pred = await openVolume(predSpec)
  let gt: Volume | null = null
  try {
    gt = await openVolume(gtSpec)
    if (pred.shape.some((n, i) => n !== gt!.shape[i])) {
      throw new InputError(
        `prediction ${pred.spec} has shape ${pred.shape.join(' x ')} but ground truth ${gt.spec} has shape ${gt.shape.join(' x ')}`,
      )
    }
    const samplingNm = options.samplingNm ?? voxelSizeOf(gt) ?? voxelSizeOf(pred)
    if (metric === 'cremi' && !samplingNm) {
      throw new InputError(
        `cremi needs the voxel size: pass --voxel-size z,y,x (nm) or give ${gt.spec} a 'resolution' attribute`,
      )
    }
    const shape = gt.shape
    const predIsFloat = !isIntegerDType(pred.dtype)
    const head: EvaluationResult = {
      metric,
      pred: pred.spec,
      gt: gt.spec,
      shape,
      threshold: predIsFloat ? threshold : null,
      ...(samplingNm ? { voxelSizeNm: samplingNm } : {}),
    }

    if (metric === 'f1') {
      const p = await readInstances(pred, threshold, false)
      const g = await readInstances(gt, 0, true)
      const scores = instanceF1(p.labels, g.labels, iouThreshold, g.ignore)
      return {
        ...head,
        ...scores,
        predInstancesFrom: p.from,
        gtInstancesFrom: g.from,
        ...(g.ignored > 0 ? { ignoredVoxels: g.ignored } : {}),
      }
    }

    const p = await readMask(pred, threshold, false)
    const g = await readMask(gt, 0, true)
    const ignored = g.ignored > 0 ? { ignoredVoxels: g.ignored } : {}
    if (metric === 'cremi') {
      const s = cremiCleft(p.mask, g.mask, shape, samplingNm!, { ignore: g.ignore })
      const notes: string[] = []
      if (s.adgt === Infinity)
        notes.push('adgt is null: the ground truth is empty, so no predicted voxel is near it')
      if (s.adf === Infinity)
        notes.push('adf is null: nothing is predicted, so no ground-truth voxel is found')
      if (s.cremiScore === Infinity) notes.push('cremiScore is null as it averages an infinite distance')
      return {
        ...head,
        adgt: finiteOrNull(s.adgt),
        adf: finiteOrNull(s.adf),
        cremiScore: finiteOrNull(s.cremiScore),
        falsePositives: s.falsePositives,
        falseNegatives: s.falseNegatives,
        farNm: s.farNm,
        predVoxels: s.predVoxels,
        gtVoxels: s.gtVoxels,
        ...ignored,
        ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
      }
    }
    const s = binaryScores(p.mask, g.mask, g.ignore)
    const main = metric === 'dice' ? { dice: s.dice } : { voc: s.voc }
    return { ...head, ...main, ...s, ...ignored }
  } finally {
    pred.close()
    gt?.close()
  }
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null
}

function checkSampling(s: readonly number[], what: string): void {
  if (s.length !== 3 || s.some((v) => !(typeof v === 'number' && Number.isFinite(v) && v > 0))) {
    throw new InputError(`${what}: expected 3 positive numbers (z, y, x in nm), got ${s.join(',')}`)
  }
}

/** CREMI's `resolution` and our own `resolution_nm_zyx`: 3 positive numbers, z, y, x in nm. */
export function voxelSizeOf(volume: Pick<Volume, 'attributes'>): Sampling | null {
  for (const key of ['resolution_nm_zyx', 'resolution']) {
    const v = volume.attributes[key]
    const values = Array.isArray(v)
      ? (v as unknown[])
      : ArrayBuffer.isView(v)
        ? Array.from(v as unknown as ArrayLike<number>)
        : null
    if (
      values &&
      values.length === 3 &&
      values.every((n) => typeof n === 'number' && Number.isFinite(n) && n > 0)
    )
      return values as Sampling
  }
  return null
}

/** Calls `row(block, src, dst, n)` for every x-row of every block: src in the block, dst in the volume. */
async function forEachRow(
  volume: Volume,
  row: (block: TypedArray, src: number, dst: number, n: number) => void,
): Promise<void> {
  const [, ny, nx] = volume.shape
  const block = blockShape(volume)
  const buffer = allocate(volume.dtype, block[0] * block[1] * block[2])
  for (const r of blocks(volume.shape, block)) {
    const data = await volume.readRegion(r, buffer.subarray(0, regionSize(r)))
    const bx = r.x1 - r.x0
    for (let z = r.z0, src = 0; z < r.z1; z++)
      for (let y = r.y0; y < r.y1; y++, src += bx) row(data, src, (z * ny + y) * nx + r.x0, bx)
  }
}

function voxelCount(shape: Shape3): number {
  return shape[0] * shape[1] * shape[2]
}

interface MaskRead {
  mask: Uint8Array
  /** CREMI-invalid voxels of a uint64 ground truth; null when there are none. */
  ignore: Uint8Array | null
  ignored: number
}

async function readMask(volume: Volume, threshold: number, isGt: boolean): Promise<MaskRead> {
  const mask = new Uint8Array(voxelCount(volume.shape))
  let ignore: Uint8Array | null = null
  let ignored = 0
  const float = !isIntegerDType(volume.dtype)
  const cut = float && !isGt ? threshold : 0
  await forEachRow(volume, (data, src, dst, n) => {
    if (data instanceof BigUint64Array) {
      for (let k = 0; k < n; k++) {
        const v = data[src + k]!
        if (v === CREMI_IGNORE && isGt) {
          ignore ??= new Uint8Array(mask.length)
          ignore[dst + k] = 1
          ignored++
        } else mask[dst + k] = v > 0n && v < CREMI_IGNORE ? 1 : 0
      }
    } else if (data instanceof BigInt64Array) {
      for (let k = 0; k < n; k++) mask[dst + k] = data[src + k]! > 0n ? 1 : 0
    } else {
      for (let k = 0; k < n; k++) mask[dst + k] = data[src + k]! > cut ? 1 : 0
    }
  })
  return { mask, ignore, ignored }
}

interface InstancesRead {
  labels: Uint32Array
  ignore: Uint8Array | null
  ignored: number
  /** 'ids': the volume's own ids; 'components': 26-connected components of its foreground. */
  from: 'ids' | 'components'
}

/** Instance labels as Uint32 (ids renumbered 1..K in order of appearance, so any integer type fits). */
async function readInstances(volume: Volume, threshold: number, isGt: boolean): Promise<InstancesRead> {
  const total = voxelCount(volume.shape)
  if (!isIntegerDType(volume.dtype)) {
    const { mask } = await readMask(volume, isGt ? 0 : threshold, isGt)
    return {
      labels: labelComponents(mask, volume.shape, 26).labels,
      ignore: null,
      ignored: 0,
      from: 'components',
    }
  }
  const labels = new Uint32Array(total)
  let ignore: Uint8Array | null = null
  let ignored = 0
  const ids = new Map<number | bigint, number>()
  let last: number | bigint = 0
  let lastLabel = 0
  const labelOf = (v: number | bigint): number => {
    if (v === last) return lastLabel
    last = v
    let label = ids.get(v)
    if (label === undefined) {
      label = ids.size + 1
      ids.set(v, label)
    }
    lastLabel = label
    return label
  }
  await forEachRow(volume, (data, src, dst, n) => {
    if (data instanceof BigUint64Array || data instanceof BigInt64Array) {
      const unsigned = data instanceof BigUint64Array
      for (let k = 0; k < n; k++) {
        const v = data[src + k]!
        if (unsigned && v === CREMI_IGNORE && isGt) {
          ignore ??= new Uint8Array(total)
          ignore[dst + k] = 1
          ignored++
        } else if (v > 0n && !(unsigned && v >= CREMI_IGNORE)) labels[dst + k] = labelOf(v)
      }
    } else {
      for (let k = 0; k < n; k++) {
        const v = data[src + k]!
        if (v > 0) labels[dst + k] = labelOf(v)
      }
    }
  })
  if (ids.size !== 1) return { labels, ignore, ignored, from: 'ids' }
  // One non-zero value: a binary mask, whose instances are its connected components.
  const mask = new Uint8Array(total)
  for (let i = 0; i < total; i++) mask[i] = labels[i] !== 0 ? 1 : 0
  labelComponents(mask, volume.shape, 26, labels)
  return { labels, ignore, ignored, from: 'components' }
}
