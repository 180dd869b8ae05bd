import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type {
  JobDetail,
  PipelineCard,
  PipelineFields,
  PipelineState,
  PipelineStep,
} from '../../src-shared/contract.ts'
import { featuresFile } from '../engine/embed/index.ts'
import { listJobs, newestDoneResult } from '../engine/jobs/index.ts'
import { currentLabels, labelHistory, majorityLabels } from '../engine/labels/index.ts'
import { listModels, type ModelRecord, type Task } from '../engine/model/index.ts'
import { proposalSets } from '../engine/proposals/index.ts'
import type { Project } from '../engine/store/index.ts'
import { latestRound, round, roundList, STRATEGIES } from '../engine/suggest/index.ts'

/**
 * Rates measured on the 2-core development machine (wasm engine, a load average of 5, 2026-12-08: a
 * 20-iteration mito training on vnc_stack1 in 56 s, a 10-iteration fine-tuning in 65 s, an 8x256x256
 * prediction in 13 s, process start included), used until this project has a job of its own to go by.
 */
export const DEV_RATES = { trainIteration: 2.8, finetuneIteration: 6.5, predictVoxel: 1 / 40_000 }

/** What a small model's prediction of the default box should take. */
export const PREDICT_BUDGET_S = 60
/** What the default training should take at the measured rate. */
export const TRAIN_BUDGET_S = 300
export const FINETUNE_BUDGET_S = 180

/** The last export the pipeline wrote, kept in the project's ui-state.json under this key. */
export const EXPORT_RECORD_KEY = 'pipeline.export'
export interface ExportRecord {
  out: string
  format: 'hdf5' | 'zarr'
  set: number
  at: string
}

const TITLES: Record<PipelineStep, string> = {
  project: 'New project',
  volumes: 'Add volumes',
  train: 'Train a model on your labels, or import one',
  predict: 'Predict a probability map',
  proposals: 'ROI proposals',
  embed: 'Embed (mask + image VAEs)',
  suggest: 'Suggest queries',
  label: 'Label the queries',
  finetune: 'Fine-tune on the labels',
  export: 'Export the labeled dataset',
}

const FINETUNED = /-ft\d+$/

/** The task a labels volume holds, read off its name: the issue's mito volume must not default to synapse. */
export function taskOfName(text: string): Task | null {
  if (/mito/i.test(text)) return 'mito'
  if (/syn|cleft/i.test(text)) return 'synapse'
  return null
}

function newest<T>(items: readonly T[], time: (t: T) => string): T | null {
  let best: T | null = null
  for (const item of items) if (best === null || time(item) >= time(best)) best = item
  return best
}

const round10 = (n: number, lo: number, hi: number): number =>
  Math.min(hi, Math.max(lo, Math.round(n / 10) * 10))

/** Seconds per iteration of the done jobs of a kind here (wall time over iterations), else null. */
function measuredPerIteration(
  jobs: readonly JobDetail[],
  kind: string,
): { seconds: number; job: number } | null {
  const done = jobs.filter((j) => j.kind === kind && j.state === 'done').at(-1)
  const iterations = (done?.params as { iterations?: unknown } | undefined)?.iterations
  if (!done || typeof iterations !== 'number' || iterations <= 0) return null
  const seconds = (Date.parse(done.updatedAt) - Date.parse(done.createdAt)) / 1000 / iterations
  return seconds > 0 ? { seconds, job: done.id } : null
}

/** Seconds per voxel of the newest finished prediction here: its tiles' compute, without loading. */
function measuredPerVoxel(project: Project): { seconds: number; job: number } | null {
  const done = newestDoneResult(project, 'predict')
  const rate = done?.result.voxelsPerSecond
  return done && typeof rate === 'number' && rate > 0 ? { seconds: 1 / rate, job: done.id } : null
}

/** A centred box of the volume that the rate predicts in about `budget` seconds, 64-voxel multiples in y and x. */
export function defaultPredictBox(
  shape: readonly [number, number, number],
  secondsPerVoxel: number,
  budget = PREDICT_BUDGET_S,
): [number, number, number, number, number, number] {
  const [Z, Y, X] = shape
  const voxels = budget / secondsPerVoxel
  const dz = Math.min(Z, 32)
  const side = Math.max(64, Math.floor(Math.sqrt(voxels / dz) / 64) * 64)
  const dy = Math.min(Y, side)
  const dx = Math.min(X, side)
  const z0 = Math.floor((Z - dz) / 2)
  const y0 = Math.floor((Y - dy) / 2)
  const x0 = Math.floor((X - dx) / 2)
  return [z0, z0 + dz, y0, y0 + dy, x0, x0 + dx]
}

/** Clusters and subclusters for a set of `count` ROIs: the paper's 64 x 4 for thousands, a handful for a small set. */
export function defaultClusters(count: number): { N: number; M: number; Q: number } {
  const M = count >= 32 ? 4 : 2
  return { N: Math.min(64, Math.max(1, Math.floor(count / (M * 4)))), M, Q: 1 }
}

function mtime(file: string): string | null {
  try {
    return statSync(file).mtime.toISOString()
  } catch {
    return null
  }
}

interface Step {
  state: PipelineState
  summary: string
  reason?: string | null
  needs?: string[]
}

/**
 * Every card of the guided pipeline, computed from what the project holds (volumes, models, maps,
 * proposal sets, rounds, labels, jobs): a step is done when its output exists, stale when an input is
 * newer than that output, running while a job of its kind runs, failed when its newest job failed after
 * its last output.
 */
export function pipelineCards(project: Project, lastExport: ExportRecord | null): PipelineCard[] {
  const volumes = project.volumes()
  const jobs = listJobs(project)
  const raws = volumes.filter((v) => v.role === 'raw')
  const labelVolumes = volumes.filter((v) => v.role === 'labels')
  const maps = volumes.filter((v) => v.role === 'prediction' && v.format === 'zarr' && v.source.includes('#'))
  const models = listModels(project)
  const baseModels = models.filter((m) => !FINETUNED.test(m.name))
  const tunedModels = models.filter((m) => FINETUNED.test(m.name))
  const sets = proposalSets(project)
  const set = sets.at(-1) ?? null

  const labelsVolume = labelVolumes.at(-1) ?? null
  const task: Task =
    (labelsVolume && taskOfName(`${labelsVolume.name} ${labelsVolume.source}`)) ??
    set?.task ??
    models.at(-1)?.task ??
    'mito'
  const trainLabels =
    labelVolumes.filter((v) => taskOfName(`${v.name} ${v.source}`) === task).at(-1) ?? labelsVolume
  const trainRaw =
    raws.find((v) => trainLabels && v.shape.join() === trainLabels.shape.join()) ?? raws[0] ?? null
  const predictRaw = raws.at(-1) ?? null
  const model = newest(
    models.filter((m) => m.task === task),
    (m) => m.createdAt,
  )

  const trainRate = measuredPerIteration(jobs, 'train')
  const tuneRate = measuredPerIteration(jobs, 'finetune')
  const predictRate = measuredPerVoxel(project)
  const rates = {
    train: trainRate
      ? {
          seconds: trainRate.seconds,
          per: 'iteration' as const,
          basis: `measured: job ${trainRate.job} here`,
        }
      : {
          seconds: DEV_RATES.trainIteration,
          per: 'iteration' as const,
          basis: 'the 2-core development machine',
        },
    finetune: tuneRate
      ? { seconds: tuneRate.seconds, per: 'iteration' as const, basis: `measured: job ${tuneRate.job} here` }
      : {
          seconds: DEV_RATES.finetuneIteration,
          per: 'iteration' as const,
          basis: 'the 2-core development machine',
        },
    predict: predictRate
      ? {
          seconds: predictRate.seconds,
          per: 'voxel' as const,
          basis: `measured: job ${predictRate.job} here`,
        }
      : {
          seconds: DEV_RATES.predictVoxel,
          per: 'voxel' as const,
          basis: 'the 2-core development machine',
        },
  }

  const choices: PipelineCard['choices'] = {
    raw: raws.map((v) => ({ source: v.source, name: v.name, shape: v.shape })),
    labels: labelVolumes.map((v) => ({ source: v.source, name: v.name, shape: v.shape })),
    models: models.map((m) => ({ name: m.name, task: m.task })),
    maps: [...new Set(maps.map((v) => v.source.slice(0, v.source.lastIndexOf('#'))))].map((group) => ({
      group,
      raw: null,
    })),
    strategies: [...STRATEGIES],
  }

  const newestMap = newest(maps, (v) => v.addedAt)
  const newestModel = newest(models, (m: ModelRecord) => m.createdAt)
  const history = set ? labelHistory(project, set.id) : []
  const lastLabelAt = history.at(-1)?.at ?? null
  const latest = set ? latestRound(project, set.id) : null
  const queries = latest ? (round(project, latest.id)?.queries ?? []) : []
  const majority = set ? majorityLabels(currentLabels(project, set.id)) : new Map()
  const answered = queries.filter((q) => {
    const m = majority.get(q.roi) as { value?: string } | undefined
    return m?.value === 'correct' || m?.value === 'incorrect'
  }).length
  const features = set ? featuresFile(project, set) : null
  const featuresAt = features && existsSync(features) ? mtime(features) : null
  const roundAt =
    set && latest ? (roundList(project, set.id).find((r) => r.id === latest.id)?.createdAt ?? null) : null
  const judged = [...majority.values()].filter(
    (m: { value?: string }) => m.value === 'correct' || m.value === 'incorrect',
  ).length
  const newestTuned = newest(tunedModels, (m) => m.createdAt)

  const steps: Record<PipelineStep, Step> = {
    project: { state: 'done', summary: `${project.dir}` },
    volumes: {
      state: raws.length > 0 && labelVolumes.length > 0 ? 'done' : 'not-started',
      summary: `${raws.length} raw, ${labelVolumes.length} labels, ${maps.length} prediction volume(s)`,
      needs: [
        ...(raws.length === 0 ? ['a raw EM volume'] : []),
        ...(labelVolumes.length === 0 ? ['a labels volume of your own (to train on)'] : []),
      ],
    },
    train: (() => {
      const needs = [
        ...(raws.length === 0 ? ['a raw volume'] : []),
        ...(labelVolumes.length === 0 ? ['a labels volume: a model must first learn your own labels'] : []),
      ]
      const m = newest(baseModels, (x) => x.createdAt)
      if (!m) return { state: 'not-started', summary: 'no model yet', needs }
      const newer = labelVolumes.find((v) => v.addedAt > m.createdAt)
      return newer
        ? {
            state: 'stale',
            summary: `model '${m.name}' (${m.task})`,
            reason: `labels '${newer.name}' were added after it was trained`,
            needs,
          }
        : {
            state: 'done',
            summary: `model '${m.name}' (${m.task})${baseModels.length > 1 ? ` and ${baseModels.length - 1} more` : ''}`,
            needs,
          }
    })(),
    predict: (() => {
      const needs = [
        ...(models.length === 0 ? ['a trained model'] : []),
        ...(raws.length === 0 ? ['a raw volume'] : []),
      ]
      if (!newestMap) return { state: 'not-started', summary: 'no probability map yet', needs }
      return newestModel && newestModel.createdAt > newestMap.addedAt
        ? {
            state: 'stale',
            summary: `${maps.length} map channel(s)`,
            reason: `model '${newestModel.name}' is newer than the newest map`,
            needs,
          }
        : { state: 'done', summary: `map ${newestMap.name}`, needs }
    })(),
    proposals: (() => {
      const needs = newestMap ? [] : ['a probability map (predict)']
      if (!set) return { state: 'not-started', summary: 'no proposal set yet', needs }
      return newestMap && newestMap.addedAt > set.createdAt
        ? {
            state: 'stale',
            summary: `set ${set.id}: ${set.count} ROIs`,
            reason: 'a newer probability map',
            needs,
          }
        : { state: 'done', summary: `set ${set.id}: ${set.count} ROIs`, needs }
    })(),
    embed: (() => {
      const needs = set
        ? set.count < 2
          ? [`at least 2 ROIs (set ${set.id} has ${set.count})`]
          : []
        : ['a proposal set']
      if (featuresAt) return { state: 'done', summary: `features of set ${set!.id}`, needs }
      const older = sets.slice(0, -1).some((s) => existsSync(featuresFile(project, s)))
      return older
        ? { state: 'stale', summary: 'features of an older set', reason: `set ${set!.id} is newer`, needs }
        : { state: 'not-started', summary: 'no features yet', needs }
    })(),
    suggest: (() => {
      const needs = featuresAt ? [] : ['the features of the newest set (embed)']
      if (!latest) return { state: 'not-started', summary: 'no round yet', needs }
      return featuresAt && roundAt && featuresAt > roundAt
        ? {
            state: 'stale',
            summary: `round ${latest.number}: ${queries.length} queries`,
            reason: 'the features are newer than the round',
            needs,
          }
        : { state: 'done', summary: `round ${latest.number}: ${queries.length} queries`, needs }
    })(),
    label: {
      state: !latest || answered === 0 ? 'not-started' : answered >= queries.length ? 'done' : 'running',
      summary: latest ? `${answered} of ${queries.length} queries judged` : 'no queries yet',
      needs: latest ? [] : ['a round of queries (suggest)'],
    },
    finetune: (() => {
      const needs = [
        ...(judged === 0 ? ['labels that say correct or incorrect'] : []),
        ...(models.length === 0 ? ['a trained model'] : []),
      ]
      if (!newestTuned) return { state: 'not-started', summary: 'no fine-tuned version yet', needs }
      return lastLabelAt && lastLabelAt > newestTuned.createdAt
        ? {
            state: 'stale',
            summary: `model '${newestTuned.name}'`,
            reason: 'labels were given after it was tuned',
            needs,
          }
        : { state: 'done', summary: `model '${newestTuned.name}'`, needs }
    })(),
    export: (() => {
      const needs = set ? [] : ['a proposal set']
      if (!lastExport || !existsSync(lastExport.out))
        return { state: 'not-started', summary: 'not exported yet', needs }
      return (lastLabelAt && lastLabelAt > lastExport.at) || (set && set.id !== lastExport.set)
        ? { state: 'stale', summary: `${lastExport.out}`, reason: 'labels or sets changed since', needs }
        : { state: 'done', summary: `${lastExport.out}`, needs }
    })(),
  }

  const exportOut = set ? join(project.dir, 'exports', `set-${set.id}`) : join(project.dir, 'exports', 'set')
  const tuneBase = newest(
    models.filter((m) => m.task === (set?.task ?? task)),
    (m) => m.createdAt,
  )
  const defaults: Record<PipelineStep, PipelineFields> = {
    project: {},
    volumes: {},
    train: {
      task,
      ...(trainRaw ? { raw: trainRaw.source } : {}),
      ...(trainLabels ? { labels: trainLabels.source } : {}),
      iterations: round10(TRAIN_BUDGET_S / rates.train.seconds, 20, 2000),
      name: task,
    },
    predict: {
      ...(predictRaw ? { raw: predictRaw.source } : {}),
      box: predictRaw ? defaultPredictBox(predictRaw.shape, rates.predict.seconds) : null,
      ...(model ? { model: model.name } : {}),
    },
    proposals: { task: model?.task ?? task, map: null, threshold: 0.5, minSize: 128 },
    embed: { epochs: 20 },
    suggest: { strategy: 'two-stream', ...defaultClusters(set?.count ?? 0) },
    label: {},
    finetune: {
      ...(tuneBase ? { model: tuneBase.name } : {}),
      iterations: round10(FINETUNE_BUDGET_S / rates.finetune.seconds, 10, 100),
      ratio: 0.25,
    },
    export: { out: exportOut, format: 'hdf5', force: existsSync(exportOut) },
  }
  const rateOf: Partial<Record<PipelineStep, PipelineCard['rate']>> = {
    train: rates.train,
    finetune: rates.finetune,
    predict: rates.predict,
  }

  const newestJob = (kind: string): JobDetail | null => jobs.filter((j) => j.kind === kind).at(-1) ?? null
  return (Object.keys(TITLES) as PipelineStep[]).map((step) => {
    const s = steps[step]
    const job = newestJob(step)
    let state = s.state
    let reason = s.reason ?? null
    if (job?.alive) state = 'running'
    else if (job && (job.state === 'failed' || job.state === 'cancelled' || job.state === 'running')) {
      // A job that ended badly (or died: 'running' with no process) after the step's output.
      state = 'failed'
      reason =
        job.state === 'running' ? 'interrupted: its process is gone; run it again to resume' : job.message
    }
    return {
      step,
      title: TITLES[step],
      state,
      summary: s.summary,
      reason,
      needs: s.needs ?? [],
      job: job
        ? {
            id: job.id,
            state: job.state,
            alive: job.alive,
            progress: job.progress,
            message: job.message,
            etaSeconds: job.etaSeconds,
          }
        : null,
      defaults: defaults[step],
      choices,
      rate: rateOf[step] ?? null,
    }
  })
}
