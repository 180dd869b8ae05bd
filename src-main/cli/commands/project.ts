import { InputError } from '../../engine/errors.ts'
import { volumeDependents } from '../../engine/housekeeping/index.ts'
import { Project } from '../../engine/store/index.ts'
import { openVolume } from '../../engine/volume/index.ts'
import type { ProjectSummary, VolumeRole } from '../../../src-shared/contract.ts'
import { options, parse, parseChoice, parsePositiveNumbers } from '../args.ts'
import { emit, shapeText } from '../output.ts'

const USAGE = {
  init: 'activeem project init DIR [--name NAME] [--json]',
  show: 'activeem project show DIR [--json]',
  import:
    'activeem project import DIR PATH#DATASET [--role raw|labels|prediction] [--name NAME] [--voxel-size z,y,x] [--json]',
  rename: 'activeem project rename DIR VOLUME NEW_NAME [--json]',
  remove: 'activeem project remove DIR VOLUME [--json]',
}
export const usage = Object.values(USAGE).join('\n       ')

const ROLES = ['raw', 'labels', 'prediction'] as const

export async function project(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv
  switch (sub) {
    case '--help':
    case '-h':
      process.stdout.write(`usage: ${usage}\n`)
      return
    case 'init':
      return init(rest)
    case 'show':
      return show(rest)
    case 'import':
      return importVolume(rest)
    case 'rename':
      return rename(rest)
    case 'remove':
      return remove(rest)
    default:
      throw new InputError(
        `project: expected a subcommand init, show, import, rename or remove; usage: ${usage}`,
      )
  }
}

function init(argv: string[]): void {
  const { values, positionals } = parse('project init', argv, options(['name']), {
    min: 1,
    max: 1,
    usage: USAGE.init,
  })
  const p = Project.init(positionals[0]!, values.name)
  try {
    const summary = p.summary()
    emit(values.json, summary, () => `created project '${summary.name}' in ${summary.dir}`)
  } finally {
    p.close()
  }
}

function show(argv: string[]): void {
  const { values, positionals } = parse('project show', argv, {}, { min: 1, max: 1, usage: USAGE.show })
  const p = Project.open(positionals[0]!)
  try {
    const summary = p.summary()
    emit(values.json, summary, () => describe(summary))
  } finally {
    p.close()
  }
}

/** VOLUME is the volume's id or name, as `project show` lists them. */
function rename(argv: string[]): void {
  const { values, positionals } = parse('project rename', argv, {}, { min: 3, max: 3, usage: USAGE.rename })
  const p = Project.open(positionals[0]!)
  try {
    const before = p.findVolume(positionals[1]!)
    const after = p.renameVolume(before.id, positionals[2]!)
    emit(values.json, after, () => `volume ${after.id}: '${before.name}' is now '${after.name}'`)
  } finally {
    p.close()
  }
}

/** Forgets a volume (its files stay); says what had been made from it. */
function remove(argv: string[]): void {
  const { values, positionals } = parse('project remove', argv, {}, { min: 2, max: 2, usage: USAGE.remove })
  const p = Project.open(positionals[0]!)
  try {
    const volume = p.findVolume(positionals[1]!)
    const dependents = volumeDependents(p, volume.id)
    const removed = p.removeVolume(volume.id)
    emit(values.json, { removed, dependents }, () =>
      [
        `removed volume ${removed.id} '${removed.name}' from the project (its files are kept: ${removed.source})`,
        ...dependents.map((d) => `  made from it: ${d}`),
      ].join('\n'),
    )
  } finally {
    p.close()
  }
}

async function importVolume(argv: string[]): Promise<void> {
  const { values, positionals } = parse('project import', argv, options(['role', 'name', 'voxel-size']), {
    min: 2,
    max: 2,
    usage: USAGE.import,
  })
  const role: VolumeRole = parseChoice('--role', values.role, ROLES, 'raw')
  const voxel = values['voxel-size']
    ? (parsePositiveNumbers('--voxel-size', values['voxel-size'], 3) as [number, number, number])
    : undefined
  // Open the project first: a bad project folder must not cost the user a long volume scan.
  const p = Project.open(positionals[0]!)
  try {
    const volume = await openVolume(positionals[1]!)
    try {
      const record = p.addVolume(volume, {
        role,
        ...(values.name ? { name: values.name } : {}),
        ...(voxel ? { voxelSizeNm: voxel } : {}),
      })
      emit(
        values.json,
        record,
        () =>
          `imported ${record.source} as '${record.name}' (${record.role}, ${shapeText(record.shape)} ${record.dtype})`,
      )
    } finally {
      volume.close()
    }
  } finally {
    p.close()
  }
}

export function describe(s: ProjectSummary): string {
  return [
    `project '${s.name}' in ${s.dir} (schema ${s.schemaVersion}, created ${s.createdAt})`,
    `volumes (${s.volumes.length}):`,
    ...s.volumes.map(
      (v) =>
        `  ${v.id}  ${v.name}  ${v.role}  ${shapeText(v.shape)}  ${v.dtype}  ${v.voxelSizeNm ? `${v.voxelSizeNm.join('x')} nm` : ''}`,
    ),
    `jobs (${s.jobs.length})`,
  ].join('\n')
}
