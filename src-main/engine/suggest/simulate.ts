import type { StageOptions } from '../stage-options.ts'
import { join } from 'node:path'
import {
  disposeVae,
  embedSet,
  fineTuneTriplet,
  loadVae,
  roiImageSource,
  vaeFeatures,
} from '../embed/index.ts'
import { readPatches } from '../proposals/index.ts'
import type { Matrix } from './features.ts'
import { checkpointYield } from '../jobs/index.ts'
import type { Project } from '../store/index.ts'
import { oracleLabels } from './oracle.ts'
import { setTruthLabels } from '../synth-proposals/index.ts'
import { mean } from '../stats.ts'
import { pairedDifferences, type PairedComparison } from './paired.ts'
import { accuracy, randomBaseline, suggestionVerdicts } from './propagate.ts'
import { loadSetData, loadSetRois, readSetFeatures, type SetData } from './run.ts'
import { STRATEGY_REGISTRY, type Strategy } from './strategies/registry.ts'
import { suggest, type SuggestParams } from './suggest.ts'

export interface SimulateOptions extends StageOptions {
  project: Project
  set?: number
  /**
   * Ground truth PATH#DS (non-zero = object) for the oracle; without it, the set's own truth.json (a
   * synthetic set's, from synth-proposals).
   */
  gt?: string
  strategies: readonly Strategy[]
  params: Omit<SuggestParams, 'seed'>
  rounds: number
  seeds: readonly number[]
  /**
   * Active clustering between rounds (paper Sec. 4.2): the image VAE is fine-tuned with triplets on the
   * answers so far and the next round clusters on its new features (strategies that use image features).
   */
  active?: boolean
  /**
   * Embedding seeds: the set is embedded anew with each (both VAEs trained from scratch, in
   * `<set>/simulate/embedding-<seed>`, resumable like embed), and every strategy and seed runs on every
   * embedding, so the spread includes the VAEs' own randomness. Empty: the set's own features.
   */
  embeddings?: readonly number[]
  /** Epochs of those embeddings (default: embed's). */
  epochs?: number
}

export interface SimulatedRound {
  round: number
  queries: number
  /** ROI ids asked this round, in display order. */
  asked: number[]
  annotated: number
  /** Annotated fraction s. */
  fraction: number
  /** Label accuracy over all ROIs after propagation. */
  accuracy: number
  /** p + s(1 - p): annotating the same number of random ROIs without propagation. */
  randomBaseline: number
  notes: string[]
}

export interface SimulationRun {
  strategy: Strategy
  seed: number
  /** The embedding seed the run clustered on; null: the set's own features. */
  embedding: number | null
  rounds: SimulatedRound[]
}

export interface SimulationSummary {
  strategy: Strategy
  /** Per round: mean and standard deviation over the seeds. */
  rounds: Array<{ round: number; fraction: number; mean: number; std: number; randomBaseline: number }>
}

export interface SimulationResult {
  set: number
  rois: number
  /** Fraction of proposals the oracle calls correct: the accuracy before any annotation. */
  initialAccuracy: number
  /** Embedding seeds the runs used (empty: the set's own features). */
  embeddings: number[]
  runs: SimulationRun[]
  summary: SimulationSummary[]
  /**
   * With several strategies: two-stream (else the first strategy) against each other one, run by run
   * on the same embedding and seed.
   */
  paired: { reference: Strategy; against: PairedComparison[] } | null
  seconds: number
}

/** The set's image VAE fine-tuned with triplets on `answers`, and the ROIs' new image features. */
async function activeImageFeatures(
  project: Project,
  data: Omit<SetData, 'mask' | 'image'>,
  vaeDir: string,
  answers: ReadonlyMap<number, boolean>,
  seed: number,
): Promise<Matrix | null> {
  const values = [...answers.values()]
  if (!values.includes(true) || !values.includes(false)) return null
  const { config, weights } = loadVae(join(vaeDir, 'vae-image'))
  try {
    const patches = await readPatches(join(project.dir, data.set.dir, 'patches.h5'))
    const source = roiImageSource(patches)
    await fineTuneTriplet(config, weights, source, { labels: answers, seed })
    return { n: data.rois.length, d: config.latent, data: await vaeFeatures(config, weights, source) }
  } finally {
    disposeVae(weights)
  }
}

/** One embedding's features of the set (or the set's own), and the folder of its VAEs. */
export interface SimulationSpace {
  embedding: number | null
  dir: string
  mask: Matrix
  image: Matrix
}

/** What every run of a simulation shares: the set, its truth and the feature spaces. */
export interface SimulationContext {
  project: Project
  data: Omit<SetData, 'mask' | 'image'>
  truth: Uint8Array
  n: number
  /** Initial accuracy: the share of ROIs the truth calls correct. */
  p: number
  embeddings: number[]
  spaces: SimulationSpace[]
  /** Progress fraction the embeddings took; the runs share the rest. */
  share: number
}

/** One strategy with its parameters, `rounds` rounds on one seed. */
export interface RunSpec {
  strategy: Strategy
  params: Omit<SuggestParams, 'seed'>
  rounds: number
  seed: number
  active?: boolean
}

/** The set, its truth and its feature spaces: the embeddings are made (or resumed) here, the long part. */
export async function prepareSimulation(
  o: Pick<SimulateOptions, 'project' | 'set' | 'gt' | 'embeddings' | 'epochs' | 'signal' | 'onProgress'>,
): Promise<SimulationContext> {
  // With embeddings of its own the set's features are not needed (nor need they exist).
  const own = o.embeddings?.length ? null : await loadSetData(o.project, o.set)
  const data = own ?? loadSetRois(o.project, o.set)
  const truth = o.gt
    ? await oracleLabels(data.rois, `${join(o.project.dir, data.set.dir, 'labels.zarr')}#labels`, o.gt)
    : setTruthLabels(join(o.project.dir, data.set.dir), data.rois)
  const n = data.rois.length
  const p = truth.reduce((a, b) => a + b, 0) / n
  const setDir = join(o.project.dir, data.set.dir)
  const embeddings = [...(o.embeddings ?? [])]
  // The embeddings first (the long part), then every run on them; progress halves between the two.
  const share = embeddings.length > 0 ? 0.5 : 0
  const spaces: SimulationSpace[] = []
  if (own) spaces.push({ embedding: null, dir: setDir, mask: own.mask, image: own.image })
  for (const [k, seed] of embeddings.entries()) {
    const dir = join(setDir, 'simulate', `embedding-${seed}`)
    const e = await embedSet({
      project: o.project,
      set: data.set.id,
      seed,
      out: dir,
      epochs: o.epochs,
      signal: o.signal,
      onProgress: (ev) =>
        o.onProgress?.({
          ...ev,
          fraction: (share * (k + ev.fraction)) / embeddings.length,
          message: `embedding seed ${seed}: ${ev.message ?? ''}`,
        }),
    })
    spaces.push({
      embedding: seed,
      dir,
      ...(await readSetFeatures(e.features, data.set, data.rois, o.project.dir)),
    })
  }
  return { project: o.project, data, truth, n, p, embeddings, spaces, share }
}

/**
 * One run: each round the strategy picks its queries among the not yet annotated ROIs, the truth answers
 * them, and every ROI takes its cluster's majority label; with `active`, Eu is fine-tuned between rounds.
 * `advance` is called after each round and returns the progress fraction to report.
 */
export async function simulateRun(
  ctx: SimulationContext,
  space: SimulationSpace,
  spec: RunSpec,
  o: Pick<StageOptions, 'signal' | 'onProgress'>,
  advance: () => number,
): Promise<SimulationRun> {
  const { data, truth, n, p } = ctx
  const { strategy, seed } = spec
  const answers = new Map<number, boolean>()
  const rounds: SimulatedRound[] = []
  let image = space.image
  for (let r = 1; r <= spec.rounds; r++) {
    await checkpointYield(o.signal)
    const s = await suggest(
      strategy,
      { mask: space.mask, image, meanProbability: data.meanProbability, annotated: new Set(answers.keys()) },
      { ...spec.params, seed: seed * 1000 + r },
    )
    for (const q of s.queries) answers.set(q.index, truth[q.index] === 1)
    const fraction = answers.size / n
    rounds.push({
      round: r,
      queries: s.queries.length,
      asked: s.queries.map((q) => data.rois[q.index]!.id),
      annotated: answers.size,
      fraction,
      accuracy: accuracy(suggestionVerdicts(s, answers), truth),
      randomBaseline: randomBaseline(p, fraction),
      notes: s.notes,
    })
    if (spec.active && r < spec.rounds && STRATEGY_REGISTRY[strategy].usesImage) {
      const tuned = await activeImageFeatures(ctx.project, data, space.dir, answers, seed)
      if (tuned) image = tuned
      else rounds.at(-1)!.notes.push('no triplet fine-tuning: the answers so far hold one label only')
    }
    o.onProgress?.({
      fraction: advance(),
      message: `${strategy}, ${space.embedding === null ? '' : `embedding ${space.embedding}, `}seed ${seed}, round ${r}`,
    })
  }
  return { strategy, seed, embedding: space.embedding, rounds }
}

/**
 * Rounds of suggestion answered by a ground-truth oracle: each round a strategy picks its queries among
 * the not yet annotated ROIs, the oracle answers them, and every ROI takes its cluster's majority label.
 * The summary's spread is over the seeds and, with `embeddings`, over the embeddings too.
 */
export async function simulate(o: SimulateOptions): Promise<SimulationResult> {
  const started = performance.now()
  const ctx = await prepareSimulation(o)
  const runs: SimulationRun[] = []
  const total = o.strategies.length * o.seeds.length * o.rounds * ctx.spaces.length
  let done = 0
  for (const strategy of o.strategies)
    for (const space of ctx.spaces)
      for (const seed of o.seeds)
        runs.push(
          await simulateRun(
            ctx,
            space,
            { strategy, params: o.params, rounds: o.rounds, seed, active: Boolean(o.active) },
            o,
            () => {
              done++
              return ctx.share + ((1 - ctx.share) * done) / total
            },
          ),
        )
  const { n, p, data, embeddings } = ctx
  const summary = o.strategies.map((strategy): SimulationSummary => {
    const mine = runs.filter((x) => x.strategy === strategy)
    return {
      strategy,
      rounds: Array.from({ length: o.rounds }, (_, k) => {
        const acc = mine.map((x) => x.rounds[k]!.accuracy)
        const fr = mine.map((x) => x.rounds[k]!.fraction)
        const m = mean(acc)
        const std = Math.sqrt(acc.reduce((a, b) => a + (b - m) ** 2, 0) / acc.length)
        const fraction = mean(fr)
        return { round: k + 1, fraction, mean: m, std, randomBaseline: randomBaseline(p, fraction) }
      }),
    }
  })
  const reference = o.strategies.includes('two-stream') ? 'two-stream' : o.strategies[0]!
  const paired =
    o.strategies.length > 1 ? { reference, against: pairedDifferences(runs, reference, o.rounds) } : null
  return {
    set: data.set.id,
    rois: n,
    initialAccuracy: p,
    embeddings,
    runs,
    summary,
    paired,
    seconds: (performance.now() - started) / 1000,
  }
}
