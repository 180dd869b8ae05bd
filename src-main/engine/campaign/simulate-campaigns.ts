import { cpSync, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../errors.ts'
import { roundLabelCounts } from '../labels/index.ts'
import { readModelMeta, recordModel, resolveModel, type Task } from '../model/index.ts'
import type { StageOptions } from '../stage-options.ts'
import { Project } from '../store/index.ts'
import type { Strategy } from '../suggest/index.ts'
import { openVolume } from '../volume/index.ts'
import { countObjects, heldOutAccuracy, type HeldOutAccuracy } from './held-out.ts'
import { runUntil } from './run.ts'
import { initCampaign, type CampaignParams } from './state.ts'
import { CAMPAIGN_STEPS } from './steps.ts'

export interface CampaignSimulationOptions extends StageOptions {
  /** Holds the base model; each strategy's campaign runs in its own project below `out`. */
  project: Project
  model?: string
  task: Task
  /** The unlabelled pool the campaign proposes, suggests and fine-tunes from, and its ground truth. */
  raw: string
  gt: string
  /** The held-out part the proposal accuracy is measured on after each round (never learnt from). */
  test: { raw: string; gt: string }
  strategies: readonly Strategy[]
  rounds: number
  params: Omit<CampaignParams, 'oracle'>
  /** Folder of the per-strategy projects; default DIR/simulations/<time>. */
  out?: string
}

export interface CampaignRound {
  round: number
  /** Queries the oracle labelled this round, and how many of them it judged correct. */
  queries: number
  queriesCorrect: number
  /** Proposals of the pool this round (predicted by the model the round started with). */
  poolProposals: number
  heldOut: HeldOutAccuracy
}

export interface CampaignSimulation {
  task: Task
  model: string
  pool: string
  test: { raw: string; gt: string; objects: number }
  out: string
  /** The base model on the held-out part: round 0 of every strategy. */
  base: HeldOutAccuracy
  runs: Array<{ strategy: Strategy; project: string; rounds: CampaignRound[] }>
}

async function checkPair(what: string, raw: string, gt: string): Promise<void> {
  const shapes: string[] = []
  for (const spec of [raw, gt]) {
    const v = await openVolume(spec).catch((e: unknown) => {
      throw new InputError(`${what} ${spec}: ${e instanceof Error ? e.message : String(e)}`)
    })
    shapes.push(v.shape.join('x'))
    v.close()
  }
  if (shapes[0] !== shapes[1])
    throw new InputError(`${what}: ground truth ${gt} is ${shapes[1]}, its raw ${raw} is ${shapes[0]}`)
}

/** A fresh project holding a copy of `model` (weights, and the training record fine-tuning mixes in). */
function projectWithModel(dir: string, source: Project, model: string, name: string): Project {
  const p = Project.init(dir, name)
  try {
    cpSync(join(source.dir, 'models', model), join(p.dir, 'models', model), { recursive: true })
    const meta = readModelMeta(join(p.dir, 'models', model))
    const record = resolveModel(source, model, undefined)
    recordModel(p, model, meta.config, { ...(record.metrics ?? {}), copiedFrom: source.dir })
    return p
  } catch (e) {
    p.close()
    throw e
  }
}

/**
 * The paper's Table 1 protocol, simulated: per strategy a campaign of `rounds` full rounds on the pool
 * (predict, proposals, embed, suggest, the ground truth answering, triplet-tuned Eu, base model
 * fine-tuned on the answers mixed with its first labelled volume), and after each round the new model's
 * ROI proposal accuracy on the held-out part. Each campaign is an ordinary project that can be opened.
 */
export async function simulateCampaigns(o: CampaignSimulationOptions): Promise<CampaignSimulation> {
  if (o.strategies.length === 0) throw new InputError('simulate: no strategy to run')
  await checkPair('--raw', o.raw, o.gt)
  await checkPair('--test', o.test.raw, o.test.gt)
  const base = resolveModel(o.project, o.model, o.task)
  const out = o.out ?? join(o.project.dir, 'simulations', new Date().toISOString().replace(/[:.]/g, '-'))
  if (existsSync(out)) throw new InputError(`--out ${out}: exists; a simulation never reuses a folder`)
  mkdirSync(out, { recursive: true })
  const stage: StageOptions = { signal: o.signal, onProgress: o.onProgress }
  const objects = await countObjects(o.test.gt)
  const evaluate = (p: Project, model: string, tag: string): Promise<HeldOutAccuracy> =>
    heldOutAccuracy({
      project: p,
      task: o.task,
      model,
      raw: o.test.raw,
      gt: o.test.gt,
      objects,
      out: join(p.dir, 'predictions', `held-out-${tag}.zarr`),
      ...stage,
    })

  const baseProject = projectWithModel(join(out, 'base'), o.project, base.name, 'held-out: base model')
  const baseAccuracy = await evaluate(baseProject, base.name, 'base').finally(() => baseProject.close())

  const runs: CampaignSimulation['runs'] = []
  for (const strategy of o.strategies) {
    const dir = join(out, strategy)
    const p = projectWithModel(dir, o.project, base.name, `simulated campaign: ${strategy}`)
    const rounds: CampaignRound[] = []
    try {
      initCampaign(p, {
        task: o.task,
        raw: o.raw,
        model: base.name,
        strategy,
        params: { ...o.params, oracle: o.gt },
      })
      for (let r = 1; r <= o.rounds; r++) {
        const reports = await runUntil(p, CAMPAIGN_STEPS, 'finetune', stage)
        const last = reports.at(-1)!
        if (last.step !== 'finetune' || last.state !== 'done')
          throw new Error(`round ${r} of ${strategy} stopped at ${last.step} (${last.state})`)
        const of = (step: string): Record<string, unknown> =>
          reports.find((x) => x.step === step)?.result ?? {}
        const annotated = of('suggest').queries as number[] | undefined
        const verdicts = roundLabelCounts(p, of('suggest').roundId as number, 'oracle')
        rounds.push({
          round: r,
          queries: annotated?.length ?? verdicts.rows,
          queriesCorrect: verdicts.correct,
          poolProposals: Number(of('proposals').count ?? 0),
          heldOut: await evaluate(p, String(last.result.model), `r${r}`),
        })
      }
    } finally {
      p.close()
    }
    runs.push({ strategy, project: dir, rounds })
  }
  return {
    task: o.task,
    model: base.name,
    pool: o.raw,
    test: { ...o.test, objects },
    out,
    base: baseAccuracy,
    runs,
  }
}
