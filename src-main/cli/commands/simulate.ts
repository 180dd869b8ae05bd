import { simulateCampaigns, type CampaignSimulation } from '../../engine/campaign/index.ts'
import { InputError } from '../../engine/errors.ts'
import { CancelledError } from '../../engine/jobs/index.ts'
import { TASKS, type Task } from '../../engine/model/index.ts'
import { Project } from '../../engine/store/index.ts'
import {
  paperGrid,
  simulate,
  STRATEGIES,
  type PairedComparison,
  type PairedRound,
  type SimulationResult,
  type Strategy,
} from '../../engine/suggest/index.ts'
import { initTensorEngine } from '../../engine/tensor/index.ts'
import { options, parse, parseChoice, parseInteger } from '../args.ts'
import { cancelOnSignals, progressPrinter } from '../jobs.ts'
import { emit } from '../output.ts'
import { parseSuggestParams } from './suggest.ts'
import { paperGridTables } from './simulate-grid-table.ts'

export const usage = `activeem simulate --project DIR [--gt PATH#DS] (--strategy NAME | --compare) [--set N] [--N 64 --M 4 --Q 1] [--budget K] [--rounds R] [--active] [--seed S | --seeds K] [--embeddings K [--epochs N]] [--json]
       activeem simulate --project DIR [--gt PATH#DS] --grid paper [--set N] [--seed S | --seeds K] [--embeddings K [--epochs N]] [--json]
       activeem simulate --project DIR --finetune --task synapse|mito --raw POOL#DS --gt POOL_GT#DS --test RAW#DS --test-gt GT#DS (--strategy A[,B] | --compare) [--model NAME] [--rounds 2] [--N --M --Q] [--epochs N] [--iterations 100] [--seed S] [--out DIR] [--json]`

/** Flags of the fine-tuning mode only (the label-propagation mode has none of them; --epochs it has with --embeddings). */
const FINETUNE_ONLY = ['task', 'raw', 'test', 'test-gt', 'model', 'iterations', 'out'] as const

export async function simulateCommand(argv: string[]): Promise<void> {
  const { values } = parse(
    'simulate',
    argv,
    options(
      [
        'project',
        'gt',
        'strategy',
        'set',
        'N',
        'M',
        'Q',
        'budget',
        'rounds',
        'seed',
        'seeds',
        'embeddings',
        'task',
        'raw',
        'test',
        'test-gt',
        'model',
        'epochs',
        'iterations',
        'out',
        'grid',
      ],
      ['compare', 'active', 'finetune'],
    ),
    { min: 0, max: 0, usage },
  )
  if (values.finetune) {
    if (values.grid !== undefined) throw new InputError('--grid: not with --finetune')
    return simulateFinetune(values)
  }
  const stray = FINETUNE_ONLY.find((k) => values[k] !== undefined)
  if (stray) throw new InputError(`--${stray}: only with --finetune; usage: ${usage}`)
  // Without --gt the set's own truth answers (a synthetic set's truth.json).
  if (!values.project) throw new InputError(`simulate: --project is required; usage: ${usage}`)
  if (values.grid !== undefined) return simulateGrid(values)
  if (!values.compare && !values.strategy)
    throw new InputError(`simulate: give --strategy NAME or --compare; usage: ${usage}`)
  const strategies: Strategy[] = values.compare
    ? [...STRATEGIES]
    : [parseChoice<Strategy>('--strategy', values.strategy, STRATEGIES, 'two-stream')]
  const params = parseSuggestParams(values)
  const rounds = parseInteger('--rounds', values.rounds, 1, 1, 1000)
  // --compare reports a spread: at least three seeds unless told otherwise.
  const { seeds, set, embeddings, epochs } = parseSpread(values, values.compare ? 3 : 1)
  const project = Project.open(values.project)
  try {
    await initTensorEngine({ backend: 'auto' })
    const r = await simulate({
      project,
      ...(set !== undefined ? { set } : {}),
      ...(values.gt !== undefined ? { gt: values.gt } : {}),
      strategies,
      params,
      rounds,
      seeds,
      active: Boolean(values.active),
      embeddings,
      ...(epochs !== undefined ? { epochs } : {}),
      onProgress: progressPrinter('simulate'),
    })
    emit(values.json, r, () => simulationTable(r))
  } finally {
    project.close()
  }
}

/** --seed/--seeds, --set, --embeddings and --epochs of the label-propagation modes. */
function parseSpread(
  values: Record<string, string | boolean | undefined>,
  defaultSeeds: number,
): { seeds: number[]; set: number | undefined; embeddings: number[]; epochs: number | undefined } {
  const text = (k: string): string | undefined => values[k] as string | undefined
  const first = parseInteger('--seed', text('seed'), 0, 0, 2 ** 31)
  const count = parseInteger('--seeds', text('seeds'), defaultSeeds, 1, 1000)
  const seeds = Array.from({ length: count }, (_, i) => first + i)
  const set = text('set') === undefined ? undefined : parseInteger('--set', text('set'), 1, 1)
  // Embedding seeds 1..K: fresh VAEs, apart from the set's own (embed's default seed is 0).
  const embeddings = Array.from(
    { length: parseInteger('--embeddings', text('embeddings'), 0, 1, 100) },
    (_, i) => i + 1,
  )
  if (text('epochs') !== undefined && embeddings.length === 0)
    throw new InputError(`--epochs: only with --embeddings or --finetune; usage: ${usage}`)
  const epochs =
    text('epochs') === undefined ? undefined : parseInteger('--epochs', text('epochs'), 20, 1, 100000)
  return { seeds, set, embeddings, epochs }
}

/** Flags `--grid paper` sets itself: the paper's strategies, N, M, Q, budgets and rounds. */
const GRID_FIXED = ['strategy', 'compare', 'N', 'M', 'Q', 'budget', 'rounds', 'active'] as const

/** `--grid paper`: the paper's Tables 2 and 3 on one set (engine/suggest/paper-grid.ts). */
async function simulateGrid(values: Record<string, string | boolean | undefined>): Promise<void> {
  const text = (k: string): string | undefined => values[k] as string | undefined
  parseChoice('--grid', text('grid'), ['paper'] as const, 'paper')
  const fixed = GRID_FIXED.find((k) => values[k] !== undefined)
  if (fixed) throw new InputError(`--${fixed}: not with --grid paper, which sets the paper's own`)
  const { seeds, set, embeddings, epochs } = parseSpread(values, 3)
  const project = Project.open(text('project')!)
  try {
    await initTensorEngine({ backend: 'auto' })
    const r = await paperGrid({
      project,
      ...(set !== undefined ? { set } : {}),
      ...(text('gt') !== undefined ? { gt: text('gt')! } : {}),
      seeds,
      embeddings,
      ...(epochs !== undefined ? { epochs } : {}),
      signal: cancelOnSignals(),
      onProgress: progressPrinter('simulate'),
    }).catch((e: unknown) => {
      if (e instanceof CancelledError) {
        process.stderr.write(
          'cancelled; finished embeddings are kept: run the same command to resume them (the runs start over)\n',
        )
        process.exit(130)
      }
      throw e
    })
    emit(values.json as boolean | undefined, r, () => paperGridTables(r))
  } finally {
    project.close()
  }
}

function pct(v: number): string {
  return (100 * v).toFixed(1)
}

function runsPerStrategy(r: SimulationResult): string {
  const runs = r.runs.length / Math.max(1, r.summary.length)
  const k = r.embeddings.length
  return k === 0
    ? `${runs} seed(s)`
    : `${runs / k} seed(s) on each of ${k} embeddings (seeds ${r.embeddings.join(', ')})`
}

/** Like the paper's Table 2: label accuracy (%) per strategy and round, mean ± spread over the seeds. */
export function simulationTable(r: SimulationResult): string {
  const rounds = r.summary[0]?.rounds.length ?? 0
  const head = [
    'strategy'.padEnd(12),
    ...Array.from({ length: rounds }, (_, k) => `round ${k + 1}`.padStart(14)),
  ]
  const lines = [
    `proposal set ${r.set}: ${r.rois} ROIs, ${pct(r.initialAccuracy)}% correct before annotation; ${runsPerStrategy(r)}`,
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
  if (r.paired)
    lines.push('', ...pairedTable(r.paired.reference, r.paired.against, rounds, r.embeddings.length > 0))
  return lines.join('\n')
}

/** Reference minus each strategy in points, mean ± standard error, and the runs it won:lost. */
function pairedTable(
  reference: Strategy,
  against: PairedComparison[],
  rounds: number,
  embedded: boolean,
): string[] {
  const signed = (v: number): string => `${v > 0 ? '+' : ''}${pct(v)}`
  const cell = (x: PairedRound): string =>
    `${signed(x.mean)} ± ${x.se === null ? '-' : pct(x.se)}  ${x.wins}:${x.losses}`.padStart(20)
  return [
    `${reference} minus each strategy, run by run on the same ${embedded ? 'embedding and seed' : 'seed'} (points, mean ± standard error, runs won:lost)`,
    [
      `${reference} vs`.padEnd(14),
      ...Array.from({ length: rounds }, (_, k) => `round ${k + 1}`.padStart(20)),
    ].join(' '),
    ...against.map((a) => [a.strategy.padEnd(14), ...a.rounds.map(cell)].join(' ')),
  ]
}

/**
 * The paper's Table 1 protocol: per strategy, `--rounds` full rounds on the pool with the ground truth
 * answering and the base model fine-tuned each round; the proposal accuracy on the held-out part after each.
 */
async function simulateFinetune(values: Record<string, string | boolean | undefined>): Promise<void> {
  const text = (k: string): string | undefined => values[k] as string | undefined
  for (const k of ['project', 'task', 'raw', 'gt', 'test', 'test-gt'])
    if (text(k) === undefined)
      throw new InputError(`simulate --finetune: --${k} is required; usage: ${usage}`)
  if (values.active || values.set !== undefined || values.seeds !== undefined || values.budget !== undefined)
    throw new InputError(
      'simulate --finetune: --active, --set, --seeds and --budget belong to the label-propagation mode',
    )
  if (!values.compare && !values.strategy)
    throw new InputError(`simulate --finetune: give --strategy A[,B] or --compare; usage: ${usage}`)
  const strategies: Strategy[] = values.compare
    ? [...STRATEGIES]
    : [
        ...new Set(
          text('strategy')!
            .split(',')
            .map((s) => parseChoice<Strategy>('--strategy', s.trim(), STRATEGIES, 'two-stream')),
        ),
      ]
  const task = parseChoice<Task>('--task', text('task'), TASKS, 'synapse')
  const { N, M, Q } = parseSuggestParams(values as Record<string, string | undefined>)
  const rounds = parseInteger('--rounds', text('rounds'), 2, 1, 100)
  const epochs =
    text('epochs') === undefined ? undefined : parseInteger('--epochs', text('epochs'), 20, 1, 100000)
  const iterations = parseInteger('--iterations', text('iterations'), 100, 1)
  const seed = parseInteger('--seed', text('seed'), 1, 0, 2 ** 31)
  const project = Project.open(text('project')!)
  try {
    await initTensorEngine({ backend: 'auto' })
    const r = await simulateCampaigns({
      project,
      ...(text('model') !== undefined ? { model: text('model')! } : {}),
      task,
      raw: text('raw')!,
      gt: text('gt')!,
      test: { raw: text('test')!, gt: text('test-gt')! },
      strategies,
      rounds,
      params: { N, M, Q, ...(epochs !== undefined ? { epochs } : {}), iterations, ratio: 0.25, seed },
      ...(text('out') !== undefined ? { out: text('out')! } : {}),
      signal: cancelOnSignals(),
      onProgress: progressPrinter('simulate', 10_000),
    })
    emit(values.json as boolean | undefined, r, () => campaignTable(r))
  } finally {
    project.close()
  }
}

const share = (a: { accuracy: number; correct: number; proposals: number }): string =>
  `${pct(a.accuracy)}% (${a.correct}/${a.proposals})`

/** Like the paper's Table 1: proposal accuracy on the held-out part after each round, per strategy. */
export function campaignTable(r: CampaignSimulation): string {
  const rounds = r.runs[0]?.rounds.length ?? 0
  const col = 20
  const lines = [
    `held-out part ${r.test.raw}: ${r.test.objects} objects; pool ${r.pool}; base model '${r.model}'`,
    'proposal accuracy on the held-out part (correct / proposals) after each round; recall below',
    ['strategy'.padEnd(12), ...Array.from({ length: rounds + 1 }, (_, k) => `round ${k}`.padStart(col))].join(
      ' ',
    ),
  ]
  for (const run of r.runs) {
    lines.push(
      [
        run.strategy.padEnd(12),
        share(r.base).padStart(col),
        ...run.rounds.map((x) => share(x.heldOut).padStart(col)),
      ].join(' '),
    )
    lines.push(
      [
        '  recall'.padEnd(12),
        `${pct(r.base.recall)}%`.padStart(col),
        ...run.rounds.map((x) => `${pct(x.heldOut.recall)}%`.padStart(col)),
      ].join(' '),
    )
    lines.push(
      [
        '  queries'.padEnd(12),
        ''.padStart(col),
        ...run.rounds.map((x) => `${x.queriesCorrect}/${x.queries} correct`.padStart(col)),
      ].join(' '),
    )
  }
  lines.push(`campaign projects: ${r.out}`)
  return lines.join('\n')
}
