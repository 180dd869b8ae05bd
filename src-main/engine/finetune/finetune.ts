import type { StageOptions } from '../stage-options.ts'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../errors.ts'
import { recentLoss, Throughput } from '../eta.ts'
import { mean } from '../stats.ts'
import { checkpointYield } from '../jobs/index.ts'
import {
  channelsOf,
  disposeWeights,
  forward,
  loadModel,
  needsCheckpointing,
  saveModel,
  weightedSegmentationLoss,
  type ModelConfig,
  type ModelMeta,
  type Weights,
} from '../model/index.ts'
import type { RoiMask } from '../labels/index.ts'
import type { Roi } from '../proposals/index.ts'
import { createRng, hashSeed } from '../random.ts'
import { tf } from '../tensor/index.ts'
import {
  loadTrainingData,
  readCheckpoint,
  sampleBatch,
  splitTrainValidation,
  writeCheckpoint,
  type LabelSources,
  type SamplerOptions,
  type TrainingData,
} from '../train/index.ts'
import { RoiWindows } from './roi-windows.ts'
import type { Verdict } from '../verdicts/index.ts'

export interface FinetuneOptions extends StageOptions {
  /** The model fine-tuned: its folder (never written to). */
  parentDir: string
  parentName: string
  /** Where the new version goes (its checkpoint too). */
  modelDir: string
  /** The proposal set's raw volume and instance labels, its ROIs and the verdicts on them. */
  raw: string
  instances: string
  /** Corrected ROI masks (their newest versions), laid over the instance volume; none: it as proposed. */
  masks?: readonly RoiMask[]
  setId: number
  rois: Roi[]
  verdicts: ReadonlyMap<number, Verdict>
  /** What the verdicts are (recorded with the model). */
  labelsNote: Record<string, unknown>
  /** Probability that a batch sample is an ROI window; the rest come from the first labelled volume. */
  ratio: number
  iterations: number
  batchSize?: number
  learningRate?: number
  seed?: number
  checkpointEvery?: number
  onLog?: (line: string) => void
}

/** Mean probability of the main channel (cleft or mitochondrion) over the ROIs' masks, per verdict. */
export interface RoiProbability {
  correct: number | null
  incorrect: number | null
  rois: number
}

export interface FinetuneResult {
  iterations: number
  resumedFrom: number
  seconds: number
  secondsPerIteration: number
  finalLoss: number
  /** Batch samples that were ROI windows / windows of the first labelled volume. */
  samples: { rois: number; base: number }
  before: RoiProbability
  after: RoiProbability
  judged: { correct: number; incorrect: number }
  baseVolume: string | null
}

interface Checkpoint {
  iteration: number
  elapsedSeconds: number
  losses: number[]
  samples: { rois: number; base: number }
  before: RoiProbability
}

const CHECKPOINT = 'checkpoint'
/** ROIs measured per verdict before and after: one window each, so the measure stays cheap. */
const MEASURED_PER_VERDICT = 32

/** The labelled volume the parent (or its first ancestor) was trained on, as `activeem train` recorded it. */
function baseSources(meta: ModelMeta): { raw: string; labels: LabelSources } | null {
  const on = meta.trainedOn as { raw?: unknown; labels?: Partial<LabelSources> }
  if (typeof on.raw !== 'string' || typeof on.labels?.labels !== 'string') return null
  const { labels, pre, post } = on.labels
  return {
    raw: on.raw,
    labels: {
      labels,
      ...(typeof pre === 'string' ? { pre } : {}),
      ...(typeof post === 'string' ? { post } : {}),
    },
  }
}

function mainChannel(config: ModelConfig): number {
  return config.task === 'synapse' ? channelsOf(config).indexOf('union') : 0
}

async function measure(
  config: ModelConfig,
  weights: Weights,
  windows: RoiWindows,
  verdicts: ReadonlyMap<number, Verdict>,
): Promise<RoiProbability> {
  const c = mainChannel(config)
  const channels = channelsOf(config).length
  const sums: Record<Verdict, number[]> = { correct: [], incorrect: [] }
  for (const roi of windows.judged) {
    const verdict = verdicts.get(roi.id)!
    if (sums[verdict].length >= MEASURED_PER_VERDICT) continue
    const w = await windows.read(roi.id, windows.centred(roi))
    const probs = tf.tidy(() =>
      tf.sigmoid(forward(config, weights, tf.tensor5d(w.input, [1, ...config.window, 1]))),
    )
    const p = await probs.data()
    probs.dispose()
    let sum = 0
    let n = 0
    for (let i = 0; i < w.instances.length; i++)
      if (w.instances[i] === roi.id) {
        sum += p[i * channels + c]!
        n++
      }
    if (n) sums[verdict].push(sum / n)
  }
  const meanOrNull = (xs: number[]): number | null => (xs.length ? mean(xs) : null)
  return {
    correct: meanOrNull(sums.correct),
    incorrect: meanOrNull(sums.incorrect),
    rois: sums.correct.length + sums.incorrect.length,
  }
}

/**
 * Fine-tunes a model on the annotators' verdicts (paper Sec. 4: the base model is fine-tuned on the
 * newly annotated ROIs mixed with the original labelled volume). Each batch sample is, with
 * probability `ratio`, a window around a judged ROI (its mask foreground if correct, background if
 * incorrect, unknown elsewhere) and otherwise a random window of the first labelled volume, fully
 * supervised as in training. Starts from the parent's weights with a lower learning rate; checkpoints
 * in the new version's folder, so a killed or cancelled run resumes; the parent is never written.
 */
export async function finetuneModel(o: FinetuneOptions): Promise<FinetuneResult> {
  if (!(o.ratio > 0 && o.ratio <= 1)) throw new InputError(`--ratio ${o.ratio}: expected a number in (0, 1]`)
  const batchSize = o.batchSize ?? 2
  const seed = o.seed ?? 1
  const lr = o.learningRate ?? 2e-4
  const log = o.onLog ?? (() => {})
  const parent = loadModel(o.parentDir)
  const config = parent.meta.config
  const base = baseSources(parent.meta)
  if (!base && o.ratio < 1) {
    disposeWeights(parent.weights)
    throw new InputError(
      `model '${o.parentName}' has no recorded training volume to mix in (imported?); use --ratio 1 to fine-tune on the ROIs alone`,
    )
  }
  let baseData: TrainingData | null
  let windows: RoiWindows | null = null
  try {
    baseData = base && o.ratio < 1 ? await loadTrainingData(config, base.raw, base.labels) : null
    windows = await RoiWindows.open({
      raw: o.raw,
      labels: o.instances,
      masks: o.masks ?? [],
      rois: o.rois,
      verdicts: o.verdicts,
      task: config.task,
      window: config.window,
      normalisation: parent.meta.normalisation,
    })
  } catch (e) {
    disposeWeights(parent.weights)
    windows?.close()
    throw e
  }
  const channels = channelsOf(config)
  // The parent's supervised channels stay the ones learnt: fine-tuning adds no channel the base lacked.
  const channelMask = channels.map((name) => (parent.meta.trainedChannels.includes(name) ? 1 : 0))
  const fgWeight = baseData
    ? Math.min(10, Math.max(1, (1 - baseData.foregroundFraction) / baseData.foregroundFraction / 4))
    : 1
  const bounds: SamplerOptions['bounds'] = baseData
    ? [
        [0, baseData.shape[0]],
        [0, baseData.shape[1]],
        [0, baseData.shape[2]],
      ]
    : [
        [0, 0],
        [0, 0],
        [0, 0],
      ]
  if (baseData) {
    const split = splitTrainValidation(baseData.shape, config.window)
    bounds[split.axis] = [0, split.trainEnd]
  }
  const judged = { correct: 0, incorrect: 0 }
  for (const r of windows.judged) judged[o.verdicts.get(r.id)!]++
  log(
    `fine-tuning '${o.parentName}' on ${judged.correct} correct and ${judged.incorrect} incorrect ROIs of set ${o.setId}` +
      (baseData ? `, mixed ${o.ratio} : ${1 - o.ratio} with ${base!.raw}` : ' alone'),
  )

  const checkpointDir = join(o.modelDir, CHECKPOINT)
  let weights: Weights
  let state: Checkpoint
  const optimizer = tf.train.adam(lr)
  if (existsSync(join(checkpointDir, 'model.json'))) {
    // Variables are registered by name: the parent's must go before the checkpoint's are made.
    disposeWeights(parent.weights)
    const loaded = loadModel(checkpointDir)
    weights = loaded.weights
    state = await readCheckpoint<Checkpoint>(checkpointDir, optimizer)
    log(`resuming from the checkpoint at iteration ${state.iteration}`)
  } else {
    weights = parent.weights
    const before = await measure(config, weights, windows, o.verdicts)
    state = { iteration: 0, elapsedSeconds: 0, losses: [], samples: { rois: 0, base: 0 }, before }
    log(
      `before: mean probability in correct ROIs ${fmt(before.correct)}, in incorrect ROIs ${fmt(before.incorrect)}`,
    )
  }
  const resumedFrom = state.iteration
  const vars = [...weights.values()]
  const meta = {
    config,
    normalisation: parent.meta.normalisation,
    trainedChannels: parent.meta.trainedChannels,
    // The first labelled volume stays recorded, so a fine-tuned model fine-tunes again on the same mix.
    trainedOn: {
      ...parent.meta.trainedOn,
      finetune: {
        parent: o.parentName,
        set: o.setId,
        raw: o.raw,
        labels: o.labelsNote,
        ratio: o.ratio,
        iterations: o.iterations,
        learningRate: lr,
      },
    },
  }
  const saveCheckpoint = (): Promise<void> => writeCheckpoint(checkpointDir, meta, weights, optimizer, state)

  const mask = tf.tensor1d(channelMask)
  const started = performance.now() - state.elapsedSeconds * 1000
  const elapsed = (): number => (performance.now() - started) / 1000
  const checkpointEvery = o.checkpointEvery ?? 25
  const checkpoint = needsCheckpointing(config, batchSize)
  const [d, h, w] = config.window
  const voxels = d * h * w
  const C = channels.length
  let stepSeconds = 0
  const throughput = new Throughput()
  let after: RoiProbability
  try {
    while (state.iteration < o.iterations) {
      await checkpointYield(o.signal)
      const t0 = performance.now()
      const rng = createRng(hashSeed(seed, state.iteration))
      const input = new Float32Array(batchSize * voxels)
      const target = new Float32Array(batchSize * voxels * C)
      const weight = new Float32Array(batchSize * voxels * C)
      for (let b = 0; b < batchSize; b++) {
        if (!baseData || rng.next() < o.ratio) {
          const win = await windows.sample(rng)
          input.set(win.input, b * voxels)
          target.set(win.target, b * voxels * C)
          weight.set(win.weight, b * voxels * C)
          state.samples.rois++
        } else {
          const one = sampleBatch(
            baseData,
            {
              window: config.window,
              batchSize: 1,
              rejectEmpty: 0.95,
              bounds,
              seed: hashSeed(seed, 1 + b),
              augment: true,
            },
            state.iteration,
          )
          input.set(one.input, b * voxels)
          target.set(one.target, b * voxels * C)
          weight.fill(1, b * voxels * C, (b + 1) * voxels * C)
          state.samples.base++
        }
      }
      const loss = tf.tidy(() => {
        const x = tf.tensor5d(input, [batchSize, d, h, w, 1])
        const y = tf.tensor5d(target, [batchSize, d, h, w, C])
        const wt = tf.tensor5d(weight, [batchSize, d, h, w, C])
        return optimizer.minimize(
          () => weightedSegmentationLoss(forward(config, weights, x, { checkpoint }), y, wt, mask, fgWeight),
          true,
          vars,
        )!
      })
      const value = (await loss.data())[0]!
      loss.dispose()
      state.iteration++
      state.losses.push(value)
      const step = (performance.now() - t0) / 1000
      stepSeconds = stepSeconds === 0 ? step : 0.9 * stepSeconds + 0.1 * step
      const shown = recentLoss(state.losses)
      o.onProgress?.({
        fraction: state.iteration / o.iterations,
        message: `iteration ${state.iteration}, loss ${shown.toFixed(4)}`,
        iteration: state.iteration,
        loss: shown,
        voxelsPerSecond: (batchSize * voxels) / stepSeconds,
        etaSeconds: throughput.eta(state.iteration - resumedFrom, o.iterations - resumedFrom),
      })
      state.elapsedSeconds = elapsed()
      if (state.iteration % checkpointEvery === 0) await saveCheckpoint()
    }
    after = await measure(config, weights, windows, o.verdicts)
    log(
      `after: mean probability in correct ROIs ${fmt(after.correct)}, in incorrect ROIs ${fmt(after.incorrect)}`,
    )
    state.elapsedSeconds = elapsed()
    await saveModel(o.modelDir, meta, weights)
    await saveCheckpoint()
  } catch (e) {
    state.elapsedSeconds = elapsed()
    if (state.iteration > resumedFrom) await saveCheckpoint()
    throw e
  } finally {
    mask.dispose()
    windows.close()
  }
  const ran = state.iteration - resumedFrom
  const result: FinetuneResult = {
    iterations: state.iteration,
    resumedFrom,
    seconds: state.elapsedSeconds,
    secondsPerIteration: ran > 0 ? stepSeconds : 0,
    finalLoss: recentLoss(state.losses),
    samples: state.samples,
    before: state.before,
    after,
    judged,
    baseVolume: baseData ? base!.raw : null,
  }
  disposeWeights(weights)
  optimizer.dispose()
  return result
}

function fmt(p: number | null): string {
  return p === null ? 'n/a' : p.toFixed(3)
}
