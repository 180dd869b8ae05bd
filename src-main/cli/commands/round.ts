import {
  CAMPAIGN_STEPS,
  campaignSteps,
  currentRound,
  initCampaign,
  isStepName,
  requireCampaign,
  runStep,
  runUntil,
  STEPS,
  stepAlive,
  type StepName,
  type StepReport,
} from '../../engine/campaign/index.ts'
import { InputError } from '../../engine/errors.ts'
import { CancelledError } from '../../engine/jobs/index.ts'
import { resolveModel, TASKS, type Task } from '../../engine/model/index.ts'
import { Project } from '../../engine/store/index.ts'
import { STRATEGIES, type Strategy } from '../../engine/suggest/index.ts'
import { initTensorEngine } from '../../engine/tensor/index.ts'
import { openVolume } from '../../engine/volume/index.ts'
import { options, parse, parseChoice, parseInteger } from '../args.ts'
import { cancelOnSignals, progressPrinter } from '../jobs.ts'
import { emit } from '../output.ts'
import { parseSuggestParams } from './suggest.ts'

export const usage =
  'activeem round --project DIR [--init --task synapse|mito --raw PATH#DS [--model NAME] [--strategy two-stream] [--N 64 --M 4 --Q 1] [--oracle GT#DS] [--epochs N] [--iterations 100] [--seed S]] [--step NAME | --until NAME | --status] [--force] [--json]'

async function checkVolume(flag: string, spec: string): Promise<void> {
  if (!spec.includes('#')) throw new InputError(`${flag} ${spec}: expected PATH#DATASET`)
  const v = await openVolume(spec).catch((e: unknown) => {
    throw new InputError(`${flag} ${spec}: ${e instanceof Error ? e.message : String(e)}`)
  })
  v.close()
}

/** One line per step: what it made, in words (--json has the whole result). */
function describe(r: StepReport): string {
  const x = r.result
  const v = (k: string): string => String(x[k])
  const what: Record<StepName, () => string> = {
    predict: () => `predicted ${v('map')} with '${v('model')}'`,
    proposals: () => `proposal set ${v('set')}: ${v('count')} ROIs`,
    embed: () => `features of ${v('rois')} ROIs of set ${v('set')}`,
    suggest: () => `round ${v('number')} of set ${v('set')}: ${(x.queries as unknown[]).length} queries`,
    annotate: () =>
      r.state === 'done'
        ? `all ${v('queries')} queries labelled (${v('byOracle')} by the oracle)`
        : `waits for ${v('missing')} of ${v('queries')} labels (label the round's queries, then run 'activeem round' again)`,
    'tune-eu': () =>
      x.tuned
        ? `image VAE tuned on ${v('correct')} correct and ${v('incorrect')} incorrect ROIs; features recomputed`
        : `image VAE left as it was: ${v('note')}`,
    finetune: () => `new model version '${v('model')}' from '${v('parent')}'`,
  }
  return `round ${r.round} ${r.step}: ${what[r.step]()}`
}

/** Options that only `--init` takes: the campaign's settings, fixed for all its rounds. */
const INIT_ONLY = [
  'task',
  'raw',
  'model',
  'strategy',
  'N',
  'M',
  'Q',
  'oracle',
  'epochs',
  'iterations',
  'seed',
] as const

/**
 * Rounds of active learning as a resumable state machine in the project: each call runs the next step
 * (or the one named), records its state and result, and a step killed midway is run again next time.
 */
export async function roundCommand(argv: string[]): Promise<void> {
  const { values } = parse(
    'round',
    argv,
    options(['project', ...INIT_ONLY, 'step', 'until'], ['init', 'status', 'force']),
    { min: 0, max: 0, usage },
  )
  if (!values.project) throw new InputError(`round: --project is required; usage: ${usage}`)
  const modes = [values.init, values.status, values.step !== undefined, values.until !== undefined]
  if (modes.filter(Boolean).length > 1)
    throw new InputError('round: --init, --status, --step and --until exclude each other')
  for (const name of [values.step, values.until])
    if (name !== undefined && !isStepName(name))
      throw new InputError(`--step/--until '${name}': expected one of ${STEPS.join(', ')}`)
  if (!values.init) {
    const stray = INIT_ONLY.find((k) => values[k as keyof typeof values] !== undefined)
    if (stray) throw new InputError(`--${stray}: only with --init (a campaign's parameters are set once)`)
  }

  const project = Project.open(values.project)
  try {
    if (values.init) {
      if (!values.task || !values.raw)
        throw new InputError(`round --init: --task and --raw are required; usage: ${usage}`)
      const task = parseChoice<Task>('--task', values.task, TASKS, 'synapse')
      const strategy = parseChoice<Strategy>('--strategy', values.strategy, STRATEGIES, 'two-stream')
      const { N, M, Q } = parseSuggestParams(values)
      const epochs =
        values.epochs === undefined ? undefined : parseInteger('--epochs', values.epochs, 20, 1, 100000)
      const iterations = parseInteger('--iterations', values.iterations, 100, 1)
      const seed = parseInteger('--seed', values.seed, 1, 0, 2 ** 31)
      await checkVolume('--raw', values.raw)
      if (values.oracle !== undefined) await checkVolume('--oracle', values.oracle)
      const model = resolveModel(project, values.model, task)
      const c = initCampaign(project, {
        task,
        raw: values.raw,
        model: model.name,
        strategy,
        params: {
          N,
          M,
          Q,
          ...(values.oracle !== undefined ? { oracle: values.oracle } : {}),
          ...(epochs !== undefined ? { epochs } : {}),
          iterations,
          ratio: 0.25,
          seed,
        },
      })
      emit(values.json, { campaign: c, round: 1, next: STEPS[0] }, () =>
        [
          `campaign started: ${c.task} on ${c.raw} with '${c.model}', strategy ${c.strategy}`,
          `  next: round 1, ${STEPS[0]} (run 'activeem round --project ${values.project}')`,
        ].join('\n'),
      )
      return
    }
    if (values.status) {
      const campaign = requireCampaign(project)
      const steps = campaignSteps(project).map((s) => ({ ...s, alive: stepAlive(s) }))
      const round = currentRound(project)
      const next = steps.find((s) => s.round === round && s.state !== 'done')
      emit(values.json, { campaign, round, next: next ? next.step : null, steps }, () =>
        [
          `campaign: ${campaign.task} on ${campaign.raw}, strategy ${campaign.strategy}; round ${round}`,
          ...steps.map(
            (s) =>
              `  round ${s.round} ${s.step.padEnd(9)} ${s.state}${s.state === 'running' && !s.alive ? ' (no live process: will be run again)' : ''}${s.error ? `: ${s.error}` : ''}`,
          ),
        ].join('\n'),
      )
      return
    }
    requireCampaign(project)
    await initTensorEngine({ backend: 'auto' })
    // --force: the suggest step starts a new round even while the current one has unlabelled queries.
    const o = {
      signal: cancelOnSignals(),
      onProgress: progressPrinter('round'),
      force: values.force === true,
    }
    const reports = await (
      values.until !== undefined && isStepName(values.until)
        ? runUntil(project, CAMPAIGN_STEPS, values.until, o)
        : runStep(project, CAMPAIGN_STEPS, {
            ...o,
            ...(values.step !== undefined ? { step: values.step } : {}),
          }).then((r) => [r])
    ).catch((e: unknown) => {
      if (e instanceof CancelledError) {
        process.stderr.write(
          "cancelled; the step will run again (resuming its work): run 'activeem round' again\n",
        )
        process.exit(130)
      }
      throw e
    })
    const last = reports.at(-1)!
    emit(values.json, { ...last, steps: reports }, () => reports.map(describe).join('\n'))
  } finally {
    project.close()
  }
}
