import { InputError } from '../../engine/errors.ts'
import { refuseUnfinishedRound } from '../../engine/labels/index.ts'
import { Project } from '../../engine/store/index.ts'
import { STRATEGIES, suggestRound, type Strategy, type SuggestParams } from '../../engine/suggest/index.ts'
import { initTensorEngine } from '../../engine/tensor/index.ts'
import { options, parse, parseChoice, parseInteger } from '../args.ts'
import { emit } from '../output.ts'

export const usage = `activeem suggest --project DIR --strategy ${STRATEGIES.join('|')} [--set N] [--N 64 --M 4 --Q 1] [--budget K] [--seed S] [--force] [--json]`

/** --N, --M, --Q and --budget, as `suggest` and `simulate` take them. */
export function parseSuggestParams(values: {
  N?: string
  M?: string
  Q?: string
  budget?: string
}): Omit<SuggestParams, 'seed'> {
  const N = parseInteger('--N', values.N, 64, 1, 100000)
  const M = parseInteger('--M', values.M, 4, 1, 100000)
  const Q = parseInteger('--Q', values.Q, 1, 1, 100000)
  if (values.budget === undefined) return { N, M, Q }
  return { N, M, Q, budget: parseInteger('--budget', values.budget, 1, 1) }
}

export async function suggestCommand(argv: string[]): Promise<void> {
  const { values } = parse(
    'suggest',
    argv,
    options(['project', 'strategy', 'set', 'N', 'M', 'Q', 'budget', 'seed'], ['force']),
    { min: 0, max: 0, usage },
  )
  if (!values.project || !values.strategy)
    throw new InputError(`suggest: --project and --strategy are required; usage: ${usage}`)
  const strategy = parseChoice<Strategy>('--strategy', values.strategy, STRATEGIES, 'two-stream')
  const params = parseSuggestParams(values)
  const seed = parseInteger('--seed', values.seed, 0, 0, 2 ** 31)
  const set = values.set === undefined ? undefined : parseInteger('--set', values.set, 1, 1)
  const project = Project.open(values.project)
  try {
    refuseUnfinishedRound(project, values.force === true)
    await initTensorEngine({ backend: 'auto' })
    const r = await suggestRound(project, strategy, { ...params, seed }, set)
    emit(
      values.json,
      {
        round: r.number,
        roundId: r.id,
        set: r.setId,
        strategy,
        params: r.params,
        notes: r.notes,
        queries: r.queries.map((q) => ({ roi: q.roi, cluster: q.cluster, distance: q.distance })),
      },
      () =>
        [
          `round ${r.number} of set ${r.setId} (${strategy}): ${r.queries.length} queries`,
          ...r.notes.map((note) => `  note: ${note}`),
          ...r.queries
            .slice(0, 20)
            .map((q) => `  ROI ${q.roi}  cluster ${q.cluster}  distance ${q.distance.toFixed(3)}`),
          ...(r.queries.length > 20 ? [`  ... ${r.queries.length - 20} more (--json lists all)`] : []),
        ].join('\n'),
    )
  } finally {
    project.close()
  }
}
