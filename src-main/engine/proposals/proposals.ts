import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import type { AlignVariant } from '../align/index.ts'
import type { BlockPart } from '../block-jobs/index.ts'
import {
  checkParts,
  labelPart,
  labelVolume,
  mergeParts,
  partsKey,
  removeParts,
  type BlockwiseOptions,
  type Connectivity,
  type Morphology,
  type PartFiles,
  type PartResult,
} from '../components/index.ts'
import { InputError } from '../errors.ts'
import { checkpointYield, Job, runJob, throwIfCancelled } from '../jobs/index.ts'
import { removeStaleStaging } from '../staging.ts'
import type { StageOptions } from '../stage-options.ts'
import type { Task } from '../model/index.ts'
import type { Project } from '../store/index.ts'
import {
  absoluteSpecOf,
  openVolume,
  ZarrV3Writer,
  type Region,
  type Shape3,
  type Volume,
} from '../volume/index.ts'
import { findProbabilityMap } from './maps.ts'
import type { PatchSet } from './patches.ts'
import { writePatches } from './patches.ts'
import { PolarityAccumulator } from './polarity.ts'
import { cropRegion, numeric, putPatch, roiPatch, type PatchRecipe, type PatchSources } from './roi-patch.ts'
import { saveProposalSet, type ProposalSet, type Roi, type RoiAlignment } from './rois.ts'

export interface ProposalOptions extends StageOptions {
  project: Project
  task: Task
  /** A probability map of the project (its group path or a channel's volume name); default: the newest. */
  map?: string
  /** The raw volume for the image patches; default: the one the map was predicted from. */
  raw?: string
  threshold?: number
  connectivity?: Connectivity
  minSize?: number
  maxSize?: number
  /**
   * 'paper' (default): the map's components as they are, alignment on the largest slice. 'code': the
   * authors' released code (union dilated 1x5x5 then 6-connected, objects under 128 voxels dropped,
   * central slice, contact-zone orientation). Explicit options override either.
   */
  variant?: AlignVariant
  patchSize?: number
  /** Patch pixels per voxel (1: native resolution). */
  scale?: number
  /** The labeling's block shape; default: whole chunks up to 32 MB of values. */
  blockShape?: Shape3
  /**
   * Join the labeling of block jobs (proposalsBlock, one per part) instead of labeling here: the rest of
   * the run is the same, so is its result.
   */
  merge?: { work?: string }
}

export interface ProposalResult {
  set: ProposalSet
  count: number
  voxels: number
  /** Absolute paths of the set's files. */
  labels: string
  patches: string
  csv: string
  seconds: number
  jobId: number
}

/** Objects under this many voxels are dropped by default: specks of a thresholded map, not ROIs. */
const DEFAULT_MIN_SIZE = 128

/**
 * Probability map -> ROI table: threshold, 3D connected components (block by block), size filter, for
 * synapses the pre/post sides and their direction, then one aligned image and mask patch and one
 * thumbnail per ROI. Everything is written in a staging folder and recorded in one transaction at the
 * end, so an interrupted run leaves no half set (its staging folder is removed by the next run).
 */
/** A run's settings from its options, checked: shared by the one-process run, its blocks and its merge. */
function settingsOf(o: ProposalOptions) {
  const map = findProbabilityMap(o.project, o.task, o.map)
  const given = o.raw ?? map.raw
  if (!given)
    throw new InputError(
      `${map.group}: the raw volume it was predicted from is not recorded or not there; pass --raw PATH#DS`,
    )
  // The set records its raw volume and box absolutely: the viewer places its ROIs by it.
  const rawSpec = absoluteSpecOf(given)
  const variant = o.variant ?? 'paper'
  const code = variant === 'code'
  const threshold = o.threshold ?? 0.5
  const connectivity = o.connectivity ?? (code ? 6 : 26)
  const minSize = o.minSize ?? DEFAULT_MIN_SIZE
  const maxSize = o.maxSize ?? Number.MAX_SAFE_INTEGER
  const morphology: Morphology | undefined =
    code && o.task === 'synapse' ? { op: 'dilate', radius: [0, 2, 2] } : undefined
  const patchSize = o.patchSize ?? 64
  const scale = o.scale ?? 1
  if (!(threshold > 0 && threshold < 1))
    throw new InputError(`--threshold: expected a probability in (0, 1), got ${threshold}`)
  if (!Number.isInteger(patchSize) || patchSize < 8 || patchSize > 512)
    throw new InputError(`--patch: expected an integer from 8 to 512, got ${patchSize}`)
  if (!(scale > 0 && scale <= 8)) throw new InputError(`--scale: expected a number in (0, 8], got ${scale}`)
  const params = {
    threshold,
    connectivity,
    minSize,
    maxSize: Number.isFinite(maxSize) && maxSize < Number.MAX_SAFE_INTEGER ? maxSize : null,
    morphology: morphology ?? null,
    variant,
    patchSize,
    scale,
  }
  const objectSpec = map.channels[o.task === 'synapse' ? 'union' : 'mito']!
  /** What the blocks do: the labeling of the object channel, nothing that needs the whole volume. */
  const labeling = {
    threshold,
    connectivity,
    ...(morphology ? { morphology } : {}),
    ...(o.blockShape ? { block: o.blockShape } : {}),
  }
  return {
    map,
    rawSpec,
    variant,
    threshold,
    connectivity,
    minSize,
    maxSize,
    morphology,
    patchSize,
    scale,
    params,
    objectSpec,
    labeling,
  }
}

/**
 * Where the blocks of a proposals run keep their files (--work, else a folder of the project's proposals
 * per task) and their key: the object channel (its path, which every node sees alike) and the labeling.
 */
function partFiles(
  o: ProposalOptions,
  s: ReturnType<typeof settingsOf>,
  object: Volume,
  work?: string,
): PartFiles {
  return {
    work: resolve(work ?? join(o.project.dir, 'proposals', `.blocks-${o.task}`)),
    command: 'proposals',
    key: partsKey('proposals', s.objectSpec, object, s.labeling),
  }
}

/**
 * Block `part` of a proposals run: labels its part of the object channel into files (labelPart). It reads
 * the project (open it with Project.openReadOnly) and never writes it: the merge records the set.
 */
export async function proposalsBlock(
  o: ProposalOptions,
  part: BlockPart,
  work?: string,
): Promise<PartResult & { work: string }> {
  const s = settingsOf(o)
  const object = await openVolume(s.objectSpec)
  try {
    const files = partFiles(o, s, object, work)
    const r = await labelPart(
      object,
      {
        ...s.labeling,
        ...(o.signal ? { signal: o.signal } : {}),
        onProgress: (done, total) =>
          o.onProgress?.({ fraction: done / total, message: `block ${done} of ${total}` }),
      },
      part,
      files,
    )
    return { ...r, work: files.work }
  } finally {
    object.close()
  }
}

export async function runProposals(o: ProposalOptions): Promise<ProposalResult> {
  const settings = settingsOf(o)
  const { map, rawSpec, variant, threshold, minSize, maxSize, patchSize, scale, params } = settings
  let files: PartFiles | undefined
  if (o.merge) {
    // Every block must be there before anything is written: a failed merge changes nothing.
    const object = await openVolume(settings.objectSpec)
    try {
      files = partFiles(o, settings, object, o.merge.work)
      checkParts(object, settings.labeling, files)
    } finally {
      object.close()
    }
  }

  const base = join(o.project.dir, 'proposals')
  mkdirSync(base, { recursive: true })
  removeStaleStaging(base)
  const staging = join(base, `.partial-${process.pid}`)
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging)

  const key = createHash('sha256')
    .update(JSON.stringify([o.task, map.group, rawSpec, params]))
    .digest('hex')
    .slice(0, 32)
  const job = Job.startOrResume(o.project, 'proposals', key, {
    task: o.task,
    map: map.group,
    raw: rawSpec,
    ...params,
  })
  const started = performance.now()
  const report = (fraction: number, message: string): void => {
    job.progress(fraction, message)
    o.onProgress?.({ fraction, message })
  }

  const opened: Volume[] = []
  const open = async (spec: string): Promise<Volume> => {
    const v = await openVolume(spec)
    opened.push(v)
    return v
  }
  try {
    return await runJob(
      job,
      async () => {
        const object = await open(settings.objectSpec)
        const raw = await open(rawSpec)
        if (raw.shape.join() !== object.shape.join())
          throw new InputError(
            `${raw.spec}: shape ${raw.shape.join('x')} differs from the map's ${object.shape.join('x')}; pass the raw volume the map was predicted from`,
          )
        const pre = o.task === 'synapse' ? await open(map.channels.pre!) : null
        const post = o.task === 'synapse' ? await open(map.channels.post!) : null

        // Pass 1 numbers the ROIs; the polarity sums need their count, so they are gathered in pass 2.
        let polarity = null as PolarityAccumulator | null
        const labelsFile = join(staging, 'labels.zarr')
        const writer = new ZarrV3Writer(labelsFile)
        await writer.group('', { source: map.group, ...params })
        const labelArray = await writer.array('labels', {
          shape: object.shape,
          chunks: object.chunks,
          dtype: 'uint32',
        })
        const label = files ? (v: Volume, opts: BlockwiseOptions) => mergeParts(v, opts, files) : labelVolume
        const labeled = await label(object, {
          ...settings.labeling,
          minSize,
          maxSize,
          signal: o.signal,
          labelsOut: async (region: Region, labels: Uint32Array, count: number) => {
            await labelArray.writeRegion(region, labels)
            if (pre && post) {
              polarity ??= new PolarityAccumulator(count, threshold)
              polarity.add(
                region,
                labels,
                numeric(await pre.readRegion(region)),
                numeric(await post.readRegion(region)),
              )
            }
          },
          onProgress: (done, total, pass) =>
            report(
              ((pass - 1 + done / total) / 2) * 0.4,
              `labeling, pass ${pass}: block ${done} of ${total}`,
            ),
        })

        const n = labeled.count
        const s = patchSize
        const uint8 = raw.dtype === 'uint8'
        const patches: PatchSet = {
          size: s,
          roi: new Uint32Array(n),
          image: uint8 ? new Uint8Array(n * s * s) : new Float32Array(n * s * s),
          mask: new Int8Array(n * s * s),
          thumbImage: uint8 ? new Uint8Array(n * s * s) : new Float32Array(n * s * s),
          thumbMask: new Int8Array(n * s * s),
          slice: new Int32Array(n),
          angle: new Float32Array(n),
          flipped: new Uint8Array(n),
        }
        const labelsVolume = await open(`${labelsFile}#labels`)
        const recipe: PatchRecipe = { size: s, scale, variant, threshold }
        const sources: PatchSources = { raw, pre, post }
        const rois: Array<Omit<Roi, 'setId'>> = []
        for (const [i, c] of labeled.components.entries()) {
          if (i % 16 === 0) await checkpointYield(o.signal)
          const region = cropRegion(c, raw.shape, recipe)
          const labels = (await labelsVolume.readRegion(region)) as Uint32Array
          const mask = new Uint8Array(labels.length)
          for (let k = 0; k < labels.length; k++) mask[k] = labels[k] === c.id ? 1 : 0
          const aligned = await roiPatch(sources, region, mask, recipe)
          putPatch(patches, i, c.id, aligned, region.z0)
          const alignment: RoiAlignment = {
            row: i,
            slice: region.z0 + aligned.slice,
            angleDeg: aligned.angleDeg,
            flipped: aligned.flipped,
            orientedBy: aligned.orientedBy,
          }
          rois.push({ ...c, polarity: polarity ? polarity.of(c.id) : null, alignment })
          if (i % 16 === 0 || i === n - 1) report(0.4 + (0.55 * (i + 1)) / n, `aligned ${i + 1} of ${n} ROIs`)
        }
        throwIfCancelled(o.signal)
        const attributes = { task: o.task, map: map.group, raw: rawSpec, ...params }
        await writePatches(join(staging, 'patches.h5'), patches, attributes)
        writeFileSync(join(staging, 'rois.csv'), proposalsCsv(o.task, rois))
        for (const v of opened.splice(0)) v.close()

        const set = saveProposalSet(
          o.project,
          { task: o.task, map: map.group, raw: rawSpec, params, count: n },
          rois,
          (id) => {
            const dir = join(base, `set-${id}`)
            if (existsSync(dir)) rmSync(dir, { recursive: true, force: true })
            renameSync(staging, dir)
            return relative(o.project.dir, dir)
          },
        )
        const dir = join(o.project.dir, set.dir)
        if (files) removeParts(files)
        report(1, `${n} ROIs`)
        return {
          set,
          count: n,
          voxels: labeled.voxels,
          labels: `${join(dir, 'labels.zarr')}#labels`,
          patches: join(dir, 'patches.h5'),
          csv: join(dir, 'rois.csv'),
          seconds: (performance.now() - started) / 1000,
          jobId: job.id,
        }
      },
      (r) => `${r.count} ROIs in set ${r.set.id}`,
    )
  } finally {
    for (const v of opened) v.close()
    rmSync(staging, { recursive: true, force: true })
  }
}

const BASE_COLUMNS = ['id', 'z0', 'y0', 'x0', 'z1', 'y1', 'x1', 'voxels', 'cz', 'cy', 'cx', 'mean_p', 'max_p']
const SYNAPSE_COLUMNS = [
  'pre_voxels',
  'pre_cz',
  'pre_cy',
  'pre_cx',
  'post_voxels',
  'post_cz',
  'post_cy',
  'post_cx',
  'dir_z',
  'dir_y',
  'dir_x',
]

function num(v: number | null | undefined): string {
  return v === null || v === undefined ? '' : String(Math.round(v * 1000) / 1000)
}

/** The ROI table as CSV (half-open boxes, centroids in voxels; synapses add their pre/post sides). */
export function proposalsCsv(task: Task, rois: ReadonlyArray<Omit<Roi, 'setId'>>): string {
  const synapse = task === 'synapse'
  const lines = [[...BASE_COLUMNS, ...(synapse ? SYNAPSE_COLUMNS : [])].join(',')]
  for (const r of rois) {
    const row = [r.id, r.z0, r.y0, r.x0, r.z1, r.y1, r.x1, r.voxels].map(String)
    row.push(num(r.cz), num(r.cy), num(r.cx), num(r.mean), num(r.max))
    if (synapse) {
      const p = r.polarity
      row.push(num(p?.preVoxels), ...[0, 1, 2].map((k) => num(p?.pre?.[k])))
      row.push(num(p?.postVoxels), ...[0, 1, 2].map((k) => num(p?.post?.[k])))
      row.push(...[0, 1, 2].map((k) => num(p?.direction?.[k])))
    }
    lines.push(row.join(','))
  }
  return `${lines.join('\n')}\n`
}
