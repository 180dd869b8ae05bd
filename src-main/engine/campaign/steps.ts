import { existsSync, renameSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  disposeVae,
  fineTuneTriplet,
  loadVae,
  roiImageSource,
  saveVae,
  vaeFeatures,
  writeFeatures,
} from '../embed/index.ts'
import { embedSet } from '../embed/index.ts'
import { planFinetune, runFinetune } from '../finetune/index.ts'
import { doneJobParams, doneJobResult } from '../jobs/index.ts'
import {
  currentLabels,
  majorityLabels,
  refuseUnfinishedRound,
  setLabel,
  unansweredRois,
} from '../labels/index.ts'
import { resolveModel } from '../model/index.ts'
import { predictVolume } from '../predict/index.ts'
import { proposalSet, proposalSetsOfMap, readPatches, roisOf, runProposals } from '../proposals/index.ts'
import {
  loadSetData,
  oracleLabels,
  round as roundById,
  roundList,
  suggestRound,
  type Strategy,
} from '../suggest/index.ts'
import { roiVotes } from '../verdicts/index.ts'
import type { StepContext, StepOutcome, StepRunners } from './run.ts'

const num = (r: Record<string, unknown>, key: string): number => r[key] as number
const str = (r: Record<string, unknown>, key: string): string => r[key] as string

/** Round 1 predicts with the campaign's model, round r+1 with the version round r fine-tuned. */
function roundModel(ctx: StepContext): string {
  return ctx.round === 1 ? ctx.campaign.model : str(ctx.resultOf(ctx.round - 1, 'finetune'), 'model')
}

async function predict(ctx: StepContext): Promise<StepOutcome> {
  const model = resolveModel(ctx.project, roundModel(ctx), ctx.campaign.task)
  const out = resolve(ctx.project.dir, 'predictions', `campaign-r${ctx.round}.zarr`)
  // Killed after the map was finished but before the step was recorded: the map is this step's.
  const finished = existsSync(out) ? doneJobResult(ctx.project, 'predict', 'out', out) : null
  const r: { tiles?: unknown } =
    finished ??
    (await predictVolume({
      project: ctx.project,
      raw: ctx.campaign.raw,
      modelDir: join(ctx.project.dir, model.path),
      out,
      signal: ctx.signal,
      onProgress: ctx.onProgress,
    }))
  return { done: true, result: { map: out, model: model.name, tiles: r.tiles } }
}

/** A set (or round) recorded since the step first started was made by it before a kill. */
function madeSince<T extends { createdAt: string }>(items: T[], since: string): T | undefined {
  return items.filter((x) => x.createdAt >= since).at(-1)
}

async function proposals(ctx: StepContext): Promise<StepOutcome> {
  const map = str(ctx.resultOf(ctx.round, 'predict'), 'map')
  const made = madeSince(proposalSetsOfMap(ctx.project, map), ctx.startedAt)
  if (made) return { done: true, result: { set: made.id, count: made.count, map } }
  const r = await runProposals({
    project: ctx.project,
    task: ctx.campaign.task,
    map,
    raw: ctx.campaign.raw,
    signal: ctx.signal,
    onProgress: ctx.onProgress,
  })
  return { done: true, result: { set: r.set.id, count: r.count, map } }
}

/** The image VAE the previous round's answers tuned (active clustering carries it into this round). */
function tunedEu(ctx: StepContext): string | null {
  if (ctx.round === 1) return null
  const tuned = ctx.resultOf(ctx.round - 1, 'tune-eu')
  return tuned.tuned && typeof tuned.vae === 'string' && existsSync(tuned.vae) ? tuned.vae : null
}

async function embed(ctx: StepContext): Promise<StepOutcome> {
  const set = num(ctx.resultOf(ctx.round, 'proposals'), 'set')
  const epochs = ctx.campaign.params.epochs
  const imageVae = tunedEu(ctx)
  // Killed after the features were written but before the step was recorded: they are this step's.
  const finished = doneJobResult(ctx.project, 'embed', 'set', set)
  if (finished)
    return { done: true, result: { set, features: finished.features, rois: finished.rois, imageVae } }
  const r = await embedSet({
    project: ctx.project,
    set,
    ...(epochs !== undefined ? { epochs } : {}),
    ...(imageVae ? { imageVae } : {}),
    seed: ctx.campaign.params.seed,
    signal: ctx.signal,
    onProgress: ctx.onProgress,
  })
  return { done: true, result: { set, features: r.features, rois: r.rois, imageVae } }
}

async function suggest(ctx: StepContext): Promise<StepOutcome> {
  const set = num(ctx.resultOf(ctx.round, 'proposals'), 'set')
  const made = madeSince(roundList(ctx.project, set), ctx.startedAt)
  const { N, M, Q, seed } = ctx.campaign.params
  // A round this step made before a kill is its own; a new one waits until the current round is done.
  if (!made) refuseUnfinishedRound(ctx.project, ctx.force === true)
  const r =
    made ??
    (await suggestRound(
      ctx.project,
      ctx.campaign.strategy as Strategy,
      { N, M, Q, seed: seed + ctx.round },
      set,
    ))
  const queries = roundById(ctx.project, r.id)!.queries.map((q) => q.roi)
  return { done: true, result: { set, roundId: r.id, number: r.number, queries } }
}

async function annotate(ctx: StepContext): Promise<StepOutcome> {
  const s = ctx.resultOf(ctx.round, 'suggest')
  const set = num(s, 'set')
  const roundId = num(s, 'roundId')
  const queries = s.queries as number[]
  let missing = unansweredRois(ctx.project, set, queries)
  let byOracle = 0
  const oracle = ctx.campaign.params.oracle
  if (oracle && missing.length > 0) {
    const wanted = new Set(missing)
    const rois = roisOf(ctx.project, set).filter((r) => wanted.has(r.id))
    const setDir = proposalSet(ctx.project, set)!.dir
    const truth = await oracleLabels(rois, `${join(ctx.project.dir, setDir, 'labels.zarr')}#labels`, oracle)
    rois.forEach((r, k) =>
      setLabel(ctx.project, set, r.id, truth[k] ? 'correct' : 'incorrect', 'oracle', roundId),
    )
    byOracle = rois.length
    missing = unansweredRois(ctx.project, set, queries)
  }
  return {
    done: missing.length === 0,
    result: {
      set,
      roundId,
      queries: queries.length,
      missing: missing.length,
      missingRois: missing,
      byOracle,
    },
  }
}

/**
 * Active clustering (paper Sec. 4.2): the set's image VAE (Eu) is fine-tuned with triplets on the majority
 * labels so far and the ROIs' image features are recomputed, as `activeem simulate --active` does.
 */
async function tuneEu(ctx: StepContext): Promise<StepOutcome> {
  const set = num(ctx.resultOf(ctx.round, 'proposals'), 'set')
  const data = await loadSetData(ctx.project, set)
  const votes = roiVotes(majorityLabels(currentLabels(ctx.project, set)))
  const answers = new Map<number, boolean>()
  data.rois.forEach((r, i) => {
    const v = votes.get(r.id)
    if (v !== undefined) answers.set(i, v)
  })
  const correct = [...answers.values()].filter(Boolean).length
  const incorrect = answers.size - correct
  if (correct === 0 || incorrect === 0 || (correct < 2 && incorrect < 2))
    return {
      done: true,
      result: { set, tuned: false, correct, incorrect, note: 'too few labels of both kinds for triplets' },
    }
  const dir = join(ctx.project.dir, data.set.dir)
  const { config, weights } = loadVae(join(dir, 'vae-image'))
  try {
    const source = roiImageSource(await readPatches(join(dir, 'patches.h5')))
    const t = await fineTuneTriplet(config, weights, source, {
      labels: answers,
      seed: ctx.campaign.params.seed,
      signal: ctx.signal,
      onProgress: ctx.onProgress,
    })
    // Kept for the next round's embed: its new set is clustered with the Eu these answers tuned.
    const vae = join(dir, 'vae-image-tuned')
    await saveVae(vae, config, weights, { tunedInRound: ctx.round, correct, incorrect })
    const image = await vaeFeatures(config, weights, source)
    const file = join(dir, 'features.h5')
    // Written beside and renamed: a kill while writing leaves the embed step's features whole.
    const tmp = `${file}.partial-${process.pid}`
    rmSync(tmp, { force: true })
    await writeFeatures(
      tmp,
      {
        roi: Uint32Array.from(data.rois, (r) => r.id),
        mask: Float32Array.from(data.mask.data),
        maskDim: data.mask.d,
        image,
        imageDim: config.latent,
      },
      { set, tunedInRound: ctx.round, correct, incorrect },
    )
    renameSync(tmp, file)
    return {
      done: true,
      result: {
        set,
        tuned: true,
        correct,
        incorrect,
        features: file,
        vae,
        lastLoss: t.lastLoss,
        triplets: t.triplets,
      },
    }
  } finally {
    disposeVae(weights)
  }
}

/** The base model fine-tuned on this round's labels mixed with its first labelled volume: a new version. */
async function finetune(ctx: StepContext): Promise<StepOutcome> {
  const set = num(ctx.resultOf(ctx.round, 'proposals'), 'set')
  const parent = str(ctx.resultOf(ctx.round, 'predict'), 'model')
  const p = ctx.campaign.params
  const request = {
    model: parent,
    set,
    propagated: false,
    ratio: p.ratio,
    iterations: p.iterations,
    batchSize: 2,
    learningRate: 2e-4,
    seed: p.seed,
  }
  const plan = planFinetune(ctx.project, request)
  const done = doneJobParams(ctx.project, 'finetune', plan.key) as { name: string } | null
  if (done) {
    // Killed after the version was recorded: that version is this step's.
    const name = done.name
    return { done: true, result: { model: name, parent, set } }
  }
  const {
    record,
    result: r,
    job,
  } = await runFinetune(ctx.project, plan, request, {
    signal: ctx.signal,
    onProgress: ctx.onProgress,
  })
  return {
    done: true,
    result: {
      model: record.name,
      parent,
      set,
      iterations: r.iterations,
      finalLoss: r.finalLoss,
      jobId: job.id,
    },
  }
}

/** The real steps of a round, each calling the engine stage that does its work. */
export const CAMPAIGN_STEPS: StepRunners = {
  predict,
  proposals,
  embed,
  suggest,
  annotate,
  'tune-eu': tuneEu,
  finetune,
}
