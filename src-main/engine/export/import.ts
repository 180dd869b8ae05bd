import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join, resolve } from 'node:path'
import { InputError, messageOf } from '../errors.ts'
import { restoreLabels } from '../labels/index.ts'
import { restoreModel } from '../model/index.ts'
import {
  insertRois,
  proposalsCsv,
  restoreProposalSet,
  roiPlace,
  writePatches,
  type Polarity,
  type Roi,
  type RoiAlignment,
} from '../proposals/index.ts'
import type { RoiTableRow } from '../review/index.ts'
import { Project } from '../store/index.ts'
import { restoreRound } from '../suggest/index.ts'
import { blocks, openVolume, ZarrV3Writer } from '../volume/index.ts'
import { readCrops } from './crops.ts'
import type { LabelsFile, Manifest, RoundsFile } from './export.ts'
import { EXPORT_VERSION } from './export.ts'
import { EXPORT_KIND, MANIFEST } from './folder.ts'

export interface ImportOptions {
  /** The export folder. */
  from: string
  /** A new (or empty) folder for the project. */
  project: string
}

export interface ImportResult {
  project: string
  set: number
  rois: number
  labelRows: number
  rounds: number
  models: string[]
  /** The export's corrected label volume, linked into the project as a labels volume. */
  corrected: string
  seconds: number
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T
  } catch (e) {
    throw new InputError(`${file}: unreadable (${messageOf(e)})`)
  }
}

/** Reads and checks an export's manifest; a clear error for anything that is not one of ours. */
export function readManifest(dir: string): Manifest {
  const file = join(dir, MANIFEST)
  if (!existsSync(file)) throw new InputError(`--export ${dir}: not an ActiveEM export (no ${MANIFEST})`)
  const m = readJson<Manifest>(file)
  if (m.format !== EXPORT_KIND) throw new InputError(`${file}: not an ActiveEM export manifest`)
  if (m.exportVersion > EXPORT_VERSION)
    throw new InputError(
      `${file}: export version ${m.exportVersion} is newer than this ActiveEM reads (${EXPORT_VERSION}); update ActiveEM`,
    )
  return m
}

type ExportedRoi = RoiTableRow & { polarity: Polarity | null; alignment: RoiAlignment | null }

/**
 * A new project from an export: the proposal set with its ROI rows, rounds and every label row under
 * their original ids (so the audit trail reads the same), the set's files rebuilt from the export
 * (labels.zarr, patches.h5, rois.csv, the VAEs, features.h5), the U-Net registered, and the corrected
 * label volume linked as a labels volume.
 */
export async function importExport(o: ImportOptions): Promise<ImportResult> {
  const started = performance.now()
  const from = resolve(o.from)
  const manifest = readManifest(from)
  const set = manifest.set
  const rois = readJson<{ rois: ExportedRoi[] }>(join(from, 'rois.json')).rois
  const labels = readJson<LabelsFile>(join(from, 'labels.json'))
  const rounds = readJson<RoundsFile>(join(from, 'rounds.json')).rounds
  const data = join(from, manifest.data.path)
  if (!existsSync(data)) throw new InputError(`${data}: the export's data file is missing`)

  const dir = resolve(o.project)
  const existed = existsSync(dir)
  const project = Project.init(dir, manifest.project.name)
  try {
    const setDir = join('proposals', `set-${set.id}`)
    const staging = join(dir, 'proposals', `.import-${process.pid}`)
    mkdirSync(staging, { recursive: true })

    // The instance labels back into a v3 store, chunk by chunk, as 'activeem proposals' writes them.
    const instances = await openVolume(`${data}#labels/instances`)
    try {
      const writer = new ZarrV3Writer(join(staging, 'labels.zarr'))
      await writer.group('', { source: set.map, ...set.params })
      const arr = await writer.array('labels', {
        shape: instances.shape,
        chunks: instances.chunks,
        dtype: 'uint32',
      })
      for (const r of blocks(instances.shape, instances.chunks))
        await arr.writeRegion(r, await instances.readRegion(r))
    } finally {
      instances.close()
    }
    if (manifest.data.datasets.some((d) => d.name === 'crops/image')) {
      const patches = await readCrops(data, manifest.data.format)
      await writePatches(join(staging, 'patches.h5'), patches, {
        task: set.task,
        map: set.map,
        raw: set.raw,
        ...set.params,
      })
    }
    const roiRecords: Array<Omit<Roi, 'setId'>> = rois.map((r) => ({
      ...roiPlace(r),
      mean: r.probability,
      max: r.max_probability,
      polarity: r.polarity,
      alignment: r.alignment,
    }))
    writeFileSync(join(staging, 'rois.csv'), proposalsCsv(set.task, roiRecords))
    for (const m of manifest.models)
      if (m.kind !== 'unet') cpSync(join(from, m.path), join(staging, m.kind), { recursive: true })
    if (existsSync(join(from, 'features.h5'))) cpSync(join(from, 'features.h5'), join(staging, 'features.h5'))

    const models: string[] = []
    for (const m of manifest.models) {
      if (m.kind !== 'unet' || !m.record) continue
      cpSync(join(from, m.path), join(dir, 'models', m.name), { recursive: true })
      models.push(m.name)
    }

    insertRows(project, manifest, setDir, roiRecords, rounds, labels)
    renameSync(staging, join(dir, setDir))

    const corrected = `${data}#labels/corrected`
    const volume = await openVolume(corrected)
    try {
      project.addVolume(volume, { role: 'labels', name: `set-${set.id}-corrected` })
    } finally {
      volume.close()
    }
    return {
      project: dir,
      set: set.id,
      rois: rois.length,
      labelRows: labels.history.length,
      rounds: rounds.length,
      models,
      corrected,
      seconds: (performance.now() - started) / 1000,
    }
  } catch (e) {
    project.close()
    // The project folder was made for this import: nothing of it stays behind.
    if (existed)
      for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true })
    else rmSync(dir, { recursive: true, force: true })
    throw e
  } finally {
    if (project.db.open) project.close()
  }
}

/** Every row in one transaction, under the ids it had, so label ids and undo links read the same. */
function insertRows(
  project: Project,
  manifest: Manifest,
  setDir: string,
  rois: ReadonlyArray<Omit<Roi, 'setId'>>,
  rounds: RoundsFile['rounds'],
  labels: LabelsFile,
): void {
  const db = project.db
  const set = manifest.set
  db.transaction(() => {
    restoreProposalSet(project, { ...set, dir: setDir })
    insertRois(project, set.id, rois)
    for (const r of rounds)
      restoreRound(project, {
        ...r,
        setId: set.id,
        // Exports made before the first-stream cluster was kept hold pairs: those rounds have none.
        clusters: r.clusters.map(([roi, cluster, parent]) => ({ roi, cluster, parent: parent ?? null })),
      })
    restoreLabels(project, set.id, labels.history)
    for (const m of manifest.models)
      if (m.kind === 'unet' && m.record)
        restoreModel(project, { ...m.record, name: m.name, path: join('models', m.name) })
  })()
}
