import { campaignSteps, getCampaign, type Campaign, type StepRow } from '../campaign/index.ts'
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { InputError } from '../errors.ts'
import { recutCorrected } from './recut-crops.ts'
import { currentMasks, labelHistory, labelSummary, type LabelRow, type RoiLabels } from '../labels/index.ts'
import { proposalSet, readPatches, type PatchSet, type ProposalSet } from '../proposals/index.ts'
import type { Project } from '../store/index.ts'
import { roiTable, type RoiTable, type RoiTableRow } from '../review/index.ts'
import { round as roundOf, roundsOf, type Round } from '../suggest/index.ts'
import type { DType, TypedArray, VoxelSize } from '../volume/index.ts'
import { APP_VERSION } from '../version.ts'
import { checkOut, commit, EXPORT_KIND, MANIFEST, stagingFor } from './folder.ts'
import { Hdf5Sink } from './hdf5-sink.ts'
import { copyModels, type ExportedModel } from './models.ts'
import { dataFileName, type DataSink, type ExportFormat } from './sink.ts'
import { TABLE_COLUMNS, tableCsv, VOLUME_RULE } from './table.ts'
import { resolutionAttributes, setVoxelSize } from './resolution.ts'
import { writeLabelVolumes } from './volume.ts'
import { ZarrV2Sink } from './zarr-v2.ts'

/** Bumped when a reader of exports would have to change. */
export const EXPORT_VERSION = 1

export interface ExportOptions {
  project: Project
  out: string
  format: ExportFormat
  /** The proposal set; the newest when absent. */
  set?: number
  force?: boolean
}

export interface DatasetEntry {
  name: string
  shape: number[]
  dtype: DType
  chunks: number[]
  description: string
}

export interface Manifest {
  format: typeof EXPORT_KIND
  exportVersion: number
  app: { name: 'activeem'; version: string }
  createdAt: string
  project: { name: string; dir: string; schemaVersion: number }
  set: ProposalSet
  round: { id: number; number: number; strategy: string } | null
  /** Of the raw volume the set was proposed on (nm, z y x), also each array's `resolution`; null when unknown. */
  voxelSizeNm: VoxelSize | null
  parameters: { format: ExportFormat; set: number; round: number | null; compression: string }
  /** The verdict rule in words, the level the round's clusters allowed, the tie policy, and the corrected volume. */
  labelRule: RoiTable['rule'] & { volume: string }
  data: { path: string; format: ExportFormat; datasets: DatasetEntry[] }
  files: Array<{ path: string; description: string; rows?: number }>
  models: ExportedModel[]
  /** The project's campaign of rounds, when it runs one: its parameters and every step's state and result. */
  campaign: (Campaign & { steps: Array<Pick<StepRow, 'round' | 'step' | 'state' | 'result'>> }) | null
  summary: {
    rois: number
    labelled: number
    annotators: string[]
    labelRows: number
    final: Record<'correct' | 'incorrect', number>
    keptVoxels: number
    removedVoxels: number
  }
}

function campaignRecord(project: Project): Manifest['campaign'] {
  const campaign = getCampaign(project)
  if (!campaign) return null
  const steps = campaignSteps(project).map(({ round, step, state, result }) => ({
    round,
    step,
    state,
    result,
  }))
  return { ...campaign, steps }
}

export interface ExportResult {
  out: string
  manifest: Manifest
  bytes: number
  seconds: number
}

/** What `activeem labels --history --json` prints: the current labels and the full audit trail. */
export interface LabelsFile {
  set: number
  annotators: string[]
  rois: RoiLabels[]
  history: LabelRow[]
}

export interface RoundsFile {
  /** clusters: [ROI id, cluster, first-stream cluster or null]; exports before the first stream was kept hold pairs. */
  rounds: Array<Round & { clusters: Array<[number, number, number | null] | [number, number]> }>
}

export function labelsFile(project: Project, setId: number): LabelsFile {
  return { ...labelSummary(project, setId), history: labelHistory(project, setId) }
}

function roundsFile(project: Project, setId: number): RoundsFile {
  return {
    rounds: roundsOf(project, setId).map((r) => ({
      ...r,
      clusters: r.clusters.map((c): [number, number, number | null] => [c.roi, c.cluster, c.parent]),
    })),
  }
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`)
}

function dtypeOf(a: TypedArray): DType {
  if (a instanceof Uint8Array) return 'uint8'
  if (a instanceof Int8Array) return 'int8'
  if (a instanceof Uint32Array) return 'uint32'
  if (a instanceof Int32Array) return 'int32'
  if (a instanceof Float32Array) return 'float32'
  throw new Error(`unexpected patch array type ${a.constructor.name}`)
}

const CROP_DESCRIPTIONS = {
  roi: 'ROI id of each row of the crops',
  image: 'aligned image patch (rotated so the synapse or mitochondrion lies the same way)',
  mask: 'aligned mask: 0 background, 1 object; synapses +1 pre-, -1 post-synaptic',
  thumb_image: 'image patch as cut, not rotated (what the query grid shows)',
  thumb_mask: 'mask as cut, not rotated',
  slice: 'global z of the slice each patch was cut from',
  angle: 'rotation applied, degrees',
  flipped: '1 where the patch was flipped',
} as const

const STACKS = new Set(['image', 'mask', 'thumb_image', 'thumb_mask'])

function writeCrops(sink: DataSink, p: PatchSet, attributes: Record<string, unknown>): DatasetEntry[] {
  const n = p.roi.length
  const s = p.size
  const arrays: Record<keyof typeof CROP_DESCRIPTIONS, TypedArray> = {
    roi: p.roi,
    image: p.image,
    mask: p.mask,
    thumb_image: p.thumbImage,
    thumb_mask: p.thumbMask,
    slice: p.slice,
    angle: p.angle,
    flipped: p.flipped,
  }
  // In-plane rotation keeps the pixel size, so the crops share the volume's resolution.
  sink.group('crops', { rows: n, size: s, ...attributes })
  const entries: DatasetEntry[] = []
  for (const [name, data] of Object.entries(arrays) as Array<[keyof typeof CROP_DESCRIPTIONS, TypedArray]>) {
    const stack = STACKS.has(name)
    const shape = stack ? [n, s, s] : [n]
    const chunks = stack ? [Math.max(1, Math.min(n, 64)), s, s] : [Math.max(1, n)]
    const dtype = dtypeOf(data)
    const out = sink.array(`crops/${name}`, {
      shape,
      dtype,
      chunks,
      attributes: { description: CROP_DESCRIPTIONS[name] },
    })
    // Whole chunk rows at a time: the stack is already in memory (readPatches), the sink copies per chunk.
    out.writeBox(new Array<number>(shape.length).fill(0), shape, data)
    entries.push({ name: `crops/${name}`, shape, dtype, chunks, description: CROP_DESCRIPTIONS[name] })
  }
  return entries
}

function folderBytes(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    total += entry.isDirectory() ? folderBytes(path) : statSync(path).size
  }
  return total
}

/**
 * Exports one proposal set: ROI table, labels with their history, the instance volume as proposed and
 * corrected, the crops, the models and a manifest. Everything is written to a staging folder beside
 * --out and renamed at the end, so --out never holds half an export.
 */
export async function exportProject(o: ExportOptions): Promise<ExportResult> {
  const started = performance.now()
  const out = resolve(o.out)
  const set = proposalSet(o.project, o.set)
  if (!set)
    throw new InputError(
      o.set === undefined
        ? `${o.project.dir}: no proposal set to export; run 'activeem proposals' first`
        : `--set ${o.set}: no such proposal set in ${o.project.dir}`,
    )
  checkOut(out, o.force ?? false)
  const setDir = join(o.project.dir, set.dir)
  const labelsSpec = `${join(setDir, 'labels.zarr')}#labels`
  if (!existsSync(join(setDir, 'labels.zarr')))
    throw new InputError(`proposal set ${set.id}: its label volume ${join(setDir, 'labels.zarr')} is missing`)

  const staging = stagingFor(out)
  mkdirSync(staging)
  try {
    const table = roiTable(o.project, set.id)
    writeFileSync(join(staging, 'rois.csv'), tableCsv(table.rows))
    writeJson(join(staging, 'rois.json'), {
      columns: TABLE_COLUMNS,
      rois: table.rows.map((r: RoiTableRow, i) => ({
        ...r,
        polarity: table.rois[i]!.polarity,
        alignment: table.rois[i]!.alignment,
      })),
    })
    const labels = labelsFile(o.project, set.id)
    writeJson(join(staging, 'labels.json'), labels)
    writeJson(join(staging, 'rounds.json'), roundsFile(o.project, set.id))

    const dataPath = dataFileName(o.format)
    const sink: DataSink =
      o.format === 'hdf5'
        ? await Hdf5Sink.create(join(staging, dataPath))
        : new ZarrV2Sink(join(staging, dataPath))
    const removed = new Set(table.rows.filter((r) => r.final === 'incorrect').map((r) => r.id))
    // The newest version of each mask an annotator corrected in the viewer.
    const masks = currentMasks(o.project, set.id)
    const datasets: DatasetEntry[] = []
    let volume
    const voxelSizeNm = await setVoxelSize(o.project, set)
    const resolution = resolutionAttributes(voxelSizeNm)
    try {
      sink.group('labels', { set: set.id, task: set.task, rule: VOLUME_RULE, ...resolution })
      volume = await writeLabelVolumes(
        labelsSpec,
        removed,
        sink,
        {
          instances: {
            description: 'instance labels of the proposal set as proposed (ROI id per voxel, 0 background)',
            ...resolution,
          },
          corrected: {
            description: VOLUME_RULE,
            removed_rois: [...removed],
            corrected_masks: masks.map((m) => m.roi),
            ...resolution,
          },
        },
        masks,
      )
      for (const [name, description] of [
        ['labels/instances', 'instance labels as proposed: ROI id per voxel, 0 background'],
        ['labels/corrected', VOLUME_RULE],
      ] as const)
        datasets.push({
          name,
          shape: [...volume.shape],
          dtype: 'uint32',
          chunks: [...volume.chunks],
          description,
        })
      const patches = join(setDir, 'patches.h5')
      if (existsSync(patches)) {
        const crops = await readPatches(patches)
        const recut = await recutCorrected(o.project, set, crops, masks, labelsSpec)
        datasets.push(...writeCrops(sink, crops, { ...resolution, recut_rois: recut }))
      }
    } finally {
      sink.close()
    }

    const files: Manifest['files'] = [
      { path: 'rois.csv', description: 'the ROI table (columns as in rois.json)', rows: table.rows.length },
      {
        path: 'rois.json',
        description: "the ROI table with each ROI's polarity and alignment",
        rows: table.rows.length,
      },
      {
        path: 'labels.json',
        description: 'current labels per annotator and the full label history (audit trail)',
        rows: labels.history.length,
      },
      {
        path: 'rounds.json',
        description: "the query rounds of the set: queries and every ROI's cluster and first-stream cluster",
      },
    ]
    const features = join(setDir, 'features.h5')
    if (existsSync(features)) {
      copyFileSync(features, join(staging, 'features.h5'))
      files.push({
        path: 'features.h5',
        description: 'the two-stream features of each ROI (what suggest clusters)',
      })
    }
    const models = copyModels(o.project, set, staging)

    const count = (v: 'correct' | 'incorrect'): number => table.rows.filter((r) => r.final === v).length
    const manifest: Manifest = {
      format: EXPORT_KIND,
      exportVersion: EXPORT_VERSION,
      app: { name: 'activeem', version: APP_VERSION },
      createdAt: new Date().toISOString(),
      project: {
        name: o.project.name,
        dir: o.project.dir,
        schemaVersion: o.project.db.pragma('user_version', { simple: true }) as number,
      },
      set,
      voxelSizeNm,
      round: table.round
        ? {
            id: table.round.id,
            number: table.round.number,
            strategy: roundOf(o.project, table.round.id)!.strategy,
          }
        : null,
      parameters: {
        format: o.format,
        set: set.id,
        round: table.round?.id ?? null,
        compression: o.format === 'hdf5' ? 'gzip level 4' : 'zlib level 5',
      },
      labelRule: { ...table.rule, volume: VOLUME_RULE },
      data: { path: dataPath, format: o.format, datasets },
      files,
      models,
      campaign: campaignRecord(o.project),
      summary: {
        rois: table.rows.length,
        labelled: labels.rois.length,
        annotators: labels.annotators,
        labelRows: labels.history.length,
        final: { correct: count('correct'), incorrect: count('incorrect') },
        keptVoxels: volume.keptVoxels,
        removedVoxels: volume.removedVoxels,
      },
    }
    // The manifest last: a folder with it is a finished export.
    writeJson(join(staging, MANIFEST), manifest)
    commit(staging, out)
    return { out, manifest, bytes: folderBytes(out), seconds: (performance.now() - started) / 1000 }
  } catch (e) {
    rmSync(staging, { recursive: true, force: true })
    throw e
  }
}
