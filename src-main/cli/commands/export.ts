import { InputError } from '../../engine/errors.ts'
import { EXPORT_FORMATS, exportProject, importExport, type ExportFormat } from '../../engine/export/index.ts'
import { Project } from '../../engine/store/index.ts'
import { options, parse, parseChoice, parseInteger } from '../args.ts'
import { emit } from '../output.ts'

export const exportUsage =
  'activeem export --project DIR --out PATH [--format hdf5|zarr] [--set N] [--force] [--json]'
export const importUsage = 'activeem import --export DIR --project NEWDIR [--json]'

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`
}

/** The dataset export of one proposal set: tables, labels with history, volumes, crops, models, manifest. */
export async function exportCommand(argv: string[]): Promise<void> {
  const { values } = parse('export', argv, options(['project', 'out', 'format', 'set'], ['force']), {
    min: 0,
    max: 0,
    usage: exportUsage,
  })
  if (!values.project) throw new InputError(`export: --project is required; usage: ${exportUsage}`)
  if (!values.out) throw new InputError(`export: --out is required; usage: ${exportUsage}`)
  const format = parseChoice<ExportFormat>('--format', values.format, EXPORT_FORMATS, 'hdf5')
  const set = values.set === undefined ? undefined : parseInteger('--set', values.set, 1, 1)
  const project = Project.open(values.project)
  try {
    const r = await exportProject({
      project,
      out: values.out,
      format,
      ...(set !== undefined ? { set } : {}),
      force: values.force ?? false,
    })
    const m = r.manifest
    emit(
      values.json,
      {
        out: r.out,
        format,
        set: m.set.id,
        round: m.round?.id ?? null,
        rois: m.summary.rois,
        labelled: m.summary.labelled,
        final: m.summary.final,
        removedVoxels: m.summary.removedVoxels,
        data: m.data,
        models: m.models.map((x) => x.path),
        bytes: r.bytes,
        seconds: r.seconds,
      },
      () =>
        [
          `exported set ${m.set.id} (${m.summary.rois} ROIs, ${m.summary.labelled} labelled by ${m.summary.annotators.join(', ') || 'nobody'}) to ${r.out}`,
          `  final: ${m.summary.final.correct} correct, ${m.summary.final.incorrect} incorrect (removed from labels/corrected, ${m.summary.removedVoxels} voxels)`,
          ...m.data.datasets.map((d) => `  ${m.data.path}#${d.name}  ${d.shape.join(' x ')}  ${d.dtype}`),
          `  ${m.models.length} model folders, ${megabytes(r.bytes)} in ${r.seconds.toFixed(1)} s`,
        ].join('\n'),
    )
  } finally {
    project.close()
  }
}

/** A new project from an export: the set, its rounds and every label row as they were. */
export async function importCommand(argv: string[]): Promise<void> {
  const { values } = parse('import', argv, options(['export', 'project']), {
    min: 0,
    max: 0,
    usage: importUsage,
  })
  if (!values.export) throw new InputError(`import: --export is required; usage: ${importUsage}`)
  if (!values.project) throw new InputError(`import: --project is required; usage: ${importUsage}`)
  const r = await importExport({ from: values.export, project: values.project })
  emit(
    values.json,
    r,
    () =>
      `imported set ${r.set} (${r.rois} ROIs, ${r.labelRows} label rows, ${r.rounds} rounds, models ${r.models.join(', ') || 'none'}) into ${r.project}; corrected labels linked as volume set-${r.set}-corrected`,
  )
}
