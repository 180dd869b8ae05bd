import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../../engine/errors.ts'
import { CancelledError } from '../../engine/jobs/index.ts'
import { DB_FILE, Project } from '../../engine/store/index.ts'
import { runSynthProposals, WRONG_GROUPS } from '../../engine/synth-proposals/index.ts'
import type { WrongGroup } from '../../engine/synth/index.ts'
import { options, parse, parseInteger, parseOptionalNumber } from '../args.ts'
import { cancelOnSignals, progressPrinter } from '../jobs.ts'
import { emit } from '../output.ts'

export const usage =
  'activeem synth-proposals --project DIR --rois N --p 0.76 --wrong shape,content,empty [--seed S] [--patch 64] [--json] (a synthetic mitochondria proposal set with its truth; DIR is made a project when it is none; wrong kinds: shape = fragments and merges, content = dense bodies and vesicle clouds with a mitochondrion-shaped mask, empty = membranes and noise)'

export async function synthProposals(argv: string[]): Promise<void> {
  const { values } = parse(
    'synth-proposals',
    argv,
    options(['project', 'rois', 'p', 'wrong', 'seed', 'patch']),
    {
      min: 0,
      max: 0,
      usage,
    },
  )
  for (const k of ['project', 'rois', 'p', 'wrong'] as const)
    if (values[k] === undefined) throw new InputError(`synth-proposals: --${k} is required; usage: ${usage}`)
  const rois = parseInteger('--rois', values.rois, 0, 0)
  const p = parseOptionalNumber('--p', values.p)!
  const wrong = values
    .wrong!.split(',')
    .map((w) => w.trim())
    .filter((w) => w !== '')
  for (const w of wrong)
    if (!(WRONG_GROUPS as string[]).includes(w))
      throw new InputError(`--wrong: unknown kind '${w}', expected some of ${WRONG_GROUPS.join(', ')}`)
  const seed = parseInteger('--seed', values.seed, 1, 0, 2 ** 31)
  const patchSize = parseInteger('--patch', values.patch, 64, 32, 256)
  const dir = values.project!
  const project = existsSync(join(dir, DB_FILE)) ? Project.open(dir) : Project.init(dir)
  try {
    const r = await runSynthProposals({
      project,
      rois,
      p,
      wrong: wrong as WrongGroup[],
      seed,
      patchSize,
      signal: cancelOnSignals(),
      onProgress: progressPrinter('synth-proposals'),
    }).catch((e: unknown) => {
      if (e instanceof CancelledError) {
        process.stderr.write('cancelled; nothing was recorded: run the same command to draw the same set\n')
        process.exit(130)
      }
      throw e
    })
    const out = {
      set: r.set.id,
      dir: join(project.dir, r.set.dir),
      rois: r.rois,
      p: r.p,
      wrong: r.wrong,
      seed,
      patch: patchSize,
      raw: r.raw,
      gt: r.gt,
      truth: r.truth,
      seconds: r.seconds,
    }
    emit(values.json, out, () =>
      [
        `proposal set ${out.set}: ${out.rois} synthetic mitochondria ROIs, ${(100 * out.p).toFixed(1)}% correct, wrong ones: ${out.wrong.join(', ')} (${out.seconds.toFixed(1)} s)`,
        `  ${out.dir} (truth: ${out.truth})`,
        `  raw ${out.raw}, truth mask ${out.gt}`,
      ].join('\n'),
    )
  } finally {
    project.close()
  }
}
