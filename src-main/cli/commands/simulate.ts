import { InputError } from '../../engine/errors.ts'
import { Project } from '../../engine/store/index.ts'
import { simulate, STRATEGIES, type SimulationResult, type Strategy } from '../../engine/suggest/index.ts'
import { initTensorEngine } from '../../engine/tensor/index.ts'
import { parse, parseChoice, parseInteger } from '../args.ts'
import { progressPrinter } from '../jobs.ts'
import { emit } from '../output.ts'
import { parseSuggestParams } from './suggest.ts'

export const usage = `activeem simulate --project DIR --gt PATH#DS (--strategy NAME | --compare) [--set N] [--N 64 --M 4 --Q 1] [--budget K] [--rounds R] [--active] [--seed S | --seeds K] [--json]`

export async function simulateCommand(argv: string[]): Promise<void> {
  const { values } = parse(
    'simulate',
    argv,
    {
      project: { type: 'string' },
      gt: { type: 'string' },
      strategy: { type: 'string' },
      compare: { type: 'boolean' },
      active: { type: 'boolean' },
      set: { type: 'string' },
      N: { type: 'string' },
      M: { type: 'string' },
      Q: { type: 'string' },
      budget: { type: 'string' },
      rounds: { type: 'string' },
      seed: { type: 'string' },
      seeds: { type: 'string' },
    },
    { min: 0, max: 0, usage },
  )
  if (!values.project || !values.gt)
    throw new InputError(`simulate: --project and --gt are required; usage: ${usage}`)
  if (!values.compare && !values.strategy)
    throw new InputError(`simulate: give --strategy NAME or --compare; usage: ${usage}`)
  const strategies: Strategy[] = values.compare
    ? [...STRATEGIES]
    : [parseChoice<Strategy>('--strategy', values.strategy, STRATEGIES, 'two-stream')]
  const params = parseSuggestParams(values)
  const rounds = parseInteger('--rounds', values.rounds, 1, 1, 1000)
  const first = parseInteger('--seed', values.seed, 0, 0, 2 ** 31)
  // --compare reports a spread: at least three seeds unless told otherwise.
  const count = parseInteger('--seeds', values.seeds, values.compare ? 3 : 1, 1, 1000)
  const seeds = Array.from({ length: count }, (_, i) => first + i)
  const set = values.set === undefined ? undefined : parseInteger('--set', values.set, 1, 1)
  const project = Project.open(values.project)
  try {
    await initTensorEngine({ backend: 'auto' })
    const r = await simulate({
      project,
      ...(set !== undefined ? { set } : {}),
      gt: values.gt,
      strategies,
      params,
      rounds,
      seeds,
      active: Boolean(values.active),
      onProgress: progressPrinter('simulate'),
    })
    emit(values.json, r, () => simulationTable(r))
  } finally {
    project.close()
  }
}

function pct(v: number): string {
  return (100 * v).toFixed(1)
}

/** Like the paper's Table 2: label accuracy (%) per strategy and round, mean ± spread over the seeds. */
export function simulationTable(r: SimulationResult): string {
  const rounds = r.summary[0]?.rounds.length ?? 0
  const head = [
    'strategy'.padEnd(12),
    ...Array.from({ length: rounds }, (_, k) => `round ${k + 1}`.padStart(14)),
  ]
  const lines = [
    `proposal set ${r.set}: ${r.rois} ROIs, ${pct(r.initialAccuracy)}% correct before annotation; ${r.runs.length / Math.max(1, r.summary.length)} seed(s)`,
    head.join(' '),
  ]
  for (const s of r.summary)
    lines.push(
      [s.strategy.padEnd(12), ...s.rounds.map((x) => `${pct(x.mean)} ± ${pct(x.std)}`.padStart(14))].join(
        ' ',
      ),
    )
  const base = r.summary[0]!.rounds
  lines.push(['annotated'.padEnd(12), ...base.map((x) => `${pct(x.fraction)}%`.padStart(14))].join(' '))
  lines.push(['p + s(1-p)'.padEnd(12), ...base.map((x) => pct(x.randomBaseline).padStart(14))].join(' '))
  return lines.join('\n')
}
