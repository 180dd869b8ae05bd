import { copyFileSync, existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { AlignVariant } from '../../engine/align/index.ts'
import type { Connectivity } from '../../engine/components/index.ts'
import { InputError } from '../../engine/errors.ts'
import { CancelledError } from '../../engine/jobs/index.ts'
import { TASKS, type Task } from '../../engine/model/index.ts'
import { proposalsBlock, runProposals } from '../../engine/proposals/index.ts'
import type { Shape3 } from '../../engine/volume/index.ts'
import { Project } from '../../engine/store/index.ts'
import { options, parse, parseChoice, parseIntList, parseInteger, parseOptionalNumber } from '../args.ts'
import { blockMode } from '../block-flags.ts'
import { cancelOnSignals, progressPrinter } from '../jobs.ts'
import { emit } from '../output.ts'

export const usage =
  'activeem proposals --project DIR --task synapse|mito [--map NAME] [--raw PATH#DS] [--threshold T] [--connectivity 6|18|26] [--min-size N] [--max-size N] [--variant paper|code] [--patch N] [--scale S] [--block-shape z,y,x] [--csv FILE] [--block i/n | --merge] [--work DIR] [--json] (--block i/n labels part i of n of the map into DIR, by default PROJECT/proposals/.blocks-TASK, reading the project, never writing it; then one --merge with the same arguments makes and records the set)'

export async function proposals(argv: string[]): Promise<void> {
  const { values } = parse(
    'proposals',
    argv,
    options(
      [
        'project',
        'task',
        'map',
        'raw',
        'threshold',
        'connectivity',
        'min-size',
        'max-size',
        'variant',
        'patch',
        'scale',
        'csv',
        'block-shape',
        'block',
        'work',
      ],
      ['merge'],
    ),
    { min: 0, max: 0, usage },
  )
  if (!values.project || !values.task)
    throw new InputError(`proposals: --project and --task are required; usage: ${usage}`)
  const task = parseChoice<Task>('--task', values.task, TASKS, 'mito')
  const variant = parseChoice<AlignVariant>('--variant', values.variant, ['paper', 'code'], 'paper')
  const connectivity =
    values.connectivity === undefined
      ? undefined
      : (Number(parseChoice('--connectivity', values.connectivity, ['6', '18', '26'], '26')) as Connectivity)
  const threshold = parseOptionalNumber('--threshold', values.threshold)
  const scale = parseOptionalNumber('--scale', values.scale)
  const minSize =
    values['min-size'] === undefined ? undefined : parseInteger('--min-size', values['min-size'], 0)
  const maxSize =
    values['max-size'] === undefined ? undefined : parseInteger('--max-size', values['max-size'], 1, 1)
  const patchSize = values.patch === undefined ? undefined : parseInteger('--patch', values.patch, 64, 8, 512)
  const csv = values.csv === undefined ? undefined : resolve(values.csv)
  if (csv && existsSync(csv))
    throw new InputError(`--csv ${values.csv}: already exists; remove it or choose another file`)
  if (csv && !existsSync(dirname(csv)))
    throw new InputError(`--csv ${values.csv}: folder ${dirname(csv)} does not exist`)

  const mode = blockMode('proposals', values)
  if (mode.kind === 'whole' && values.work !== undefined)
    throw new InputError('--work: names the folder of a block run; give it with --block i/n or --merge')
  const blockShape =
    values['block-shape'] === undefined
      ? undefined
      : (parseIntList('--block-shape', values['block-shape'], 3, 1) as Shape3)
  const common = {
    task,
    ...(values.map !== undefined ? { map: values.map } : {}),
    ...(values.raw !== undefined ? { raw: values.raw } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    ...(connectivity !== undefined ? { connectivity } : {}),
    ...(minSize !== undefined ? { minSize } : {}),
    ...(maxSize !== undefined ? { maxSize } : {}),
    ...(patchSize !== undefined ? { patchSize } : {}),
    ...(scale !== undefined ? { scale } : {}),
    ...(blockShape ? { blockShape } : {}),
    variant,
  }

  if (mode.kind === 'block') {
    // A block reads the project and never writes it: many of them may run at once on a shared filesystem.
    const project = Project.openReadOnly(values.project)
    try {
      const started = performance.now()
      const r = await proposalsBlock(
        { project, ...common, signal: cancelOnSignals(), onProgress: progressPrinter('proposals') },
        mode.part,
        values.work,
      )
      const seconds = (performance.now() - started) / 1000
      const part = `${r.part.index}/${r.part.count}`
      emit(
        values.json,
        {
          part,
          work: r.work,
          blocks: r.units,
          of: r.of,
          provisional: r.provisional,
          bytes: r.bytes,
          skipped: r.skipped,
          seconds,
        },
        () =>
          r.skipped
            ? `block ${part}: already done in ${r.work}`
            : `block ${part}: ${r.units} of ${r.of} blocks, ${r.provisional} provisional components in ${seconds.toFixed(2)} s (${r.work})`,
      )
    } finally {
      project.close()
    }
    return
  }

  const project = Project.open(values.project)
  try {
    const print = progressPrinter('proposals')
    const result = await runProposals({
      project,
      ...common,
      ...(mode.kind === 'merge' ? { merge: values.work !== undefined ? { work: values.work } : {} } : {}),
      signal: cancelOnSignals(),
      onProgress: print,
    }).catch((e: unknown) => {
      if (e instanceof CancelledError) {
        process.stderr.write('cancelled; nothing was recorded: run the same command again\n')
        process.exit(130)
      }
      throw e
    })
    if (csv) copyFileSync(result.csv, csv)
    emit(
      values.json,
      {
        set: result.set.id,
        task,
        count: result.count,
        voxels: result.voxels,
        map: result.set.map,
        raw: result.set.raw,
        params: result.set.params,
        labels: result.labels,
        patches: result.patches,
        csv: csv ?? result.csv,
        seconds: result.seconds,
        jobId: result.jobId,
      },
      () =>
        [
          `proposal set ${result.set.id}: ${result.count} ${task} ROIs from ${result.set.map} in ${result.seconds.toFixed(1)} s`,
          `  ROI table: ${csv ?? result.csv}`,
          `  labels: ${result.labels}`,
          `  patches: ${result.patches}`,
        ].join('\n'),
    )
  } finally {
    project.close()
  }
}
