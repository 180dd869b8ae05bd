import { InputError } from '../errors.ts'
import { jobProcessAlive } from '../jobs/index.ts'
import { thisHost } from '../jobs/index.ts'
import type { Task } from '../model/index.ts'
import type { Project } from '../store/index.ts'

/** One round of active learning, in order; the next round's predict uses the model this one fine-tuned. */
export const STEPS = ['predict', 'proposals', 'embed', 'suggest', 'annotate', 'tune-eu', 'finetune'] as const
export type StepName = (typeof STEPS)[number]
export type StepState = 'pending' | 'running' | 'done' | 'failed'

export interface CampaignParams {
  N: number
  M: number
  Q: number
  /** Ground truth PATH#DS: annotate is answered by the oracle instead of people. */
  oracle?: string
  /** VAE epochs of embed; the engine's default when absent. */
  epochs?: number
  /** Fine-tuning iterations of the base model. */
  iterations: number
  /** Share of ROI windows when fine-tuning (the rest from the first labelled volume). */
  ratio: number
  seed: number
}

export interface Campaign {
  task: Task
  raw: string
  /** The model round 1 predicts with. */
  model: string
  strategy: string
  params: CampaignParams
  createdAt: string
}

export interface StepRow {
  round: number
  step: StepName
  position: number
  state: StepState
  result: Record<string, unknown> | null
  error: string | null
  pid: number | null
  host: string | null
  startedAt: string | null
  updatedAt: string
}

interface RawStep {
  round: number
  step: StepName
  position: number
  state: StepState
  result: string | null
  error: string | null
  pid: number | null
  host: string | null
  started_at: string | null
  updated_at: string
}

const now = (): string => new Date().toISOString()

function toStep(r: RawStep): StepRow {
  return {
    round: r.round,
    step: r.step,
    position: r.position,
    state: r.state,
    result: r.result === null ? null : (JSON.parse(r.result) as Record<string, unknown>),
    error: r.error,
    pid: r.pid,
    host: r.host,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
  }
}

export function isStepName(name: string): name is StepName {
  return (STEPS as readonly string[]).includes(name)
}

function insertRound(project: Project, round: number): void {
  const insert = project.db.prepare(
    "INSERT INTO campaign_steps (round, step, position, state, updated_at) VALUES (?, ?, ?, 'pending', ?)",
  )
  STEPS.forEach((step, position) => insert.run(round, step, position, now()))
}

export function getCampaign(project: Project): Campaign | null {
  const r = project.db.prepare('SELECT * FROM campaign WHERE id = 1').get() as
    | { task: Task; raw: string; model: string; strategy: string; params: string; created_at: string }
    | undefined
  if (!r) return null
  return {
    task: r.task,
    raw: r.raw,
    model: r.model,
    strategy: r.strategy,
    params: JSON.parse(r.params) as CampaignParams,
    createdAt: r.created_at,
  }
}

export function requireCampaign(project: Project): Campaign {
  const c = getCampaign(project)
  if (!c)
    throw new InputError(
      `${project.dir}: no campaign yet; start one with 'activeem round --project DIR --init --task synapse|mito --raw PATH#DS'`,
    )
  return c
}

/** The campaign's parameters are set once: a second init is refused rather than changing past rounds. */
export function initCampaign(project: Project, c: Omit<Campaign, 'createdAt'>): Campaign {
  project.db
    .transaction(() => {
      if (getCampaign(project))
        throw new InputError(`${project.dir}: has a campaign already; its parameters are set once`)
      project.db
        .prepare(
          'INSERT INTO campaign (id, task, raw, model, strategy, params, created_at) VALUES (1, ?, ?, ?, ?, ?, ?)',
        )
        .run(c.task, c.raw, c.model, c.strategy, JSON.stringify(c.params), now())
      insertRound(project, 1)
    })
    .immediate()
  return getCampaign(project)!
}

export function campaignSteps(project: Project): StepRow[] {
  return (project.db.prepare('SELECT * FROM campaign_steps ORDER BY round, position').all() as RawStep[]).map(
    toStep,
  )
}

export function stepRow(project: Project, round: number, step: StepName): StepRow | null {
  const r = project.db
    .prepare('SELECT * FROM campaign_steps WHERE round = ? AND step = ?')
    .get(round, step) as RawStep | undefined
  return r ? toStep(r) : null
}

export function currentRound(project: Project): number {
  const r = project.db.prepare('SELECT MAX(round) AS round FROM campaign_steps').get() as {
    round: number | null
  }
  return r.round ?? 0
}

/** A step found 'running' whose process is gone was killed midway: it is run again. */
export function stepAlive(row: StepRow): boolean {
  return (
    row.state === 'running' && jobProcessAlive({ pid: row.pid, host: row.host, updatedAt: row.updatedAt })
  )
}

/**
 * The step to run now: `name` in the current round, or its first step not done. Refused while another
 * process runs a step, for a step already done, and for one whose predecessors are not done.
 */
export function pickStep(project: Project, name?: string): StepRow {
  requireCampaign(project)
  if (name !== undefined && !isStepName(name))
    throw new InputError(`--step '${name}': expected one of ${STEPS.join(', ')}`)
  const live = campaignSteps(project).find(stepAlive)
  if (live)
    throw new InputError(
      `step ${live.step} of round ${live.round} is running in process ${live.pid}; wait for it or stop it`,
    )
  const round = currentRound(project)
  const steps = campaignSteps(project).filter((s) => s.round === round)
  const next = steps.find((s) => s.state !== 'done')!
  if (name === undefined || name === next.step) return next
  const wanted = steps.find((s) => s.step === name)!
  if (wanted.state === 'done')
    throw new InputError(`--step ${name}: already done in round ${round}; the next step is ${next.step}`)
  throw new InputError(
    `--step ${name}: step ${next.step} of round ${round} comes first and is ${next.state}; run it first`,
  )
}

export function claimStep(project: Project, row: StepRow): void {
  project.db
    .prepare(
      "UPDATE campaign_steps SET state = 'running', error = NULL, pid = ?, host = ?, started_at = COALESCE(started_at, ?), updated_at = ? WHERE round = ? AND step = ?",
    )
    .run(process.pid, thisHost(), now(), now(), row.round, row.step)
}

/** Done with its result; the last step of a round opens the next round. */
export function finishStep(project: Project, row: StepRow, result: Record<string, unknown>): void {
  project.db
    .transaction(() => {
      project.db
        .prepare(
          "UPDATE campaign_steps SET state = 'done', result = ?, error = NULL, updated_at = ? WHERE round = ? AND step = ?",
        )
        .run(JSON.stringify(result), now(), row.round, row.step)
      if (row.step === STEPS.at(-1) && currentRound(project) === row.round)
        insertRound(project, row.round + 1)
    })
    .immediate()
}

/** Back to pending with what it found so far: a step that waits for people (annotate). */
export function waitStep(project: Project, row: StepRow, result: Record<string, unknown>): void {
  project.db
    .prepare(
      "UPDATE campaign_steps SET state = 'pending', result = ?, pid = NULL, updated_at = ? WHERE round = ? AND step = ?",
    )
    .run(JSON.stringify(result), now(), row.round, row.step)
}

export function failStep(project: Project, row: StepRow, message: string): void {
  project.db
    .prepare(
      "UPDATE campaign_steps SET state = 'failed', error = ?, pid = NULL, updated_at = ? WHERE round = ? AND step = ?",
    )
    .run(message, now(), row.round, row.step)
}
