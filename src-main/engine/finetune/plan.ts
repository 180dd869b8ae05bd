import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../errors.ts'
import { Job, jobParams } from '../jobs/index.ts'
import { findModel, listModels, modelDir, resolveModel, type ModelRecord } from '../model/index.ts'
import { proposalSet, roisOf, type ProposalSet, type Roi } from '../proposals/index.ts'
import type { Project } from '../store/index.ts'
import { judgedRois, type JudgedRois } from './judged.ts'

export interface FinetuneRequest {
  model?: string
  set?: number
  /** New version's name; default `<root>-ft<k>`, the next free k. */
  name?: string
  propagated: boolean
  ratio: number
  iterations: number
  batchSize: number
  learningRate: number
  seed: number
}

export interface FinetunePlan {
  parent: ModelRecord
  set: ProposalSet
  rois: Roi[]
  judged: JudgedRois
  name: string
  dir: string
  /** The job's key and params: the same request on the same labels resumes an unfinished run. */
  key: string
  params: Record<string, unknown>
}

const VERSION = /-ft(\d+)$/

/** `synapse-demo-ft3` for the third fine-tuned version of `synapse-demo` (or of any of its versions). */
export function nextVersionName(project: Project, parent: string): string {
  const root = parent.replace(VERSION, '')
  let k = 0
  for (const m of listModels(project)) {
    const match = m.name.startsWith(`${root}-ft`) ? VERSION.exec(m.name) : null
    if (match && m.name.replace(VERSION, '') === root) k = Math.max(k, Number(match[1]))
  }
  let name = `${root}-ft${k + 1}`
  while (existsSync(join(project.dir, 'models', name))) name = `${root}-ft${++k + 1}`
  return name
}

/**
 * Checks a fine-tuning request against the project (bad input is an InputError before any work) and
 * says what will be learnt from and where the new version goes. An unfinished run of the same request
 * on the same verdicts keeps its name, so running the command again resumes it.
 */
export function planFinetune(project: Project, r: FinetuneRequest): FinetunePlan {
  if (!(r.ratio > 0 && r.ratio <= 1)) throw new InputError(`--ratio ${r.ratio}: expected a number in (0, 1]`)
  const set = proposalSet(project, r.set)
  if (!set)
    throw new InputError(
      r.set === undefined
        ? `${project.dir}: no proposal set yet; run 'activeem proposals' first`
        : `--set ${r.set}: no such proposal set in ${project.dir}`,
    )
  if (!set.raw)
    throw new InputError(`proposal set ${set.id}: no raw volume recorded, so there is nothing to learn from`)
  const parent = resolveModel(project, r.model, set.task)
  const judged = judgedRois(project, set.id, r.propagated)
  if (judged.verdicts.size === 0)
    throw new InputError(
      `proposal set ${set.id}: no ROI is labelled correct or incorrect yet; label some first (activeem label, or the Queries screen)`,
    )
  const verdicts = [...judged.verdicts].sort((a, b) => a[0] - b[0])
  const params = {
    model: parent.name,
    set: set.id,
    propagated: r.propagated,
    ratio: r.ratio,
    iterations: r.iterations,
    batchSize: r.batchSize,
    learningRate: r.learningRate,
    seed: r.seed,
    verdicts: createHash('sha256').update(JSON.stringify(verdicts)).digest('hex').slice(0, 16),
    ...(r.name !== undefined ? { name: r.name } : {}),
  }
  const key = JSON.stringify(params)
  const unfinished = Job.findUnfinished(project, 'finetune', key)
  let name = r.name
  if (name === undefined && unfinished !== null) {
    name = (jobParams(project, unfinished) as { name?: string }).name
  }
  name ??= nextVersionName(project, parent.name)
  const dir = modelDir(project, name)
  if (unfinished === null && (findModel(project, name) || existsSync(dir)))
    throw new InputError(
      `--name '${name}': a model of that name exists already; fine-tuning never overwrites one`,
    )
  return { parent, set, rois: roisOf(project, set.id), judged, name, dir, key, params: { ...params, name } }
}
