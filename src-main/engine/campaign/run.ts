import { CancelledError } from '../jobs/index.ts'
import type { StageOptions } from '../stage-options.ts'
import type { Project } from '../store/index.ts'
import {
  claimStep,
  failStep,
  finishStep,
  pickStep,
  requireCampaign,
  stepRow,
  waitStep,
  type Campaign,
  type StepName,
  type StepState,
} from './state.ts'

export interface StepContext extends StageOptions {
  project: Project
  campaign: Campaign
  round: number
  /** When this step first started (a re-run after a kill keeps it): work made since then is its own. */
  startedAt: string
  /** What a finished step made; a step reads its inputs from here. */
  resultOf: (round: number, step: StepName) => Record<string, unknown>
  /** Suggest a new round even while the current one has unlabelled queries. */
  force?: boolean | undefined
}

/** done: false leaves the step pending (annotate waiting for labels). */
export interface StepOutcome {
  done: boolean
  result: Record<string, unknown>
}

export type StepRunner = (ctx: StepContext) => Promise<StepOutcome>
export type StepRunners = Record<StepName, StepRunner>

export interface StepReport {
  round: number
  step: StepName
  state: StepState
  result: Record<string, unknown>
}

function resultOf(project: Project, round: number, step: StepName): Record<string, unknown> {
  const row = stepRow(project, round, step)
  if (!row || row.state !== 'done' || !row.result)
    throw new Error(`step ${step} of round ${round} has no result: it is not done`)
  return row.result
}

/** Runs one step (`step`, or the next one) as the campaign's state says, and records how it ended. */
export async function runStep(
  project: Project,
  runners: StepRunners,
  o: StageOptions & { step?: string; force?: boolean } = {},
): Promise<StepReport> {
  const campaign = requireCampaign(project)
  // Picked and claimed in one write transaction: two processes started together cannot both run it.
  const row = project.db
    .transaction(() => {
      const picked = pickStep(project, o.step)
      claimStep(project, picked)
      return picked
    })
    .immediate()
  const claimed = stepRow(project, row.round, row.step)!
  let outcome: StepOutcome
  try {
    outcome = await runners[row.step]({
      project,
      campaign,
      round: row.round,
      startedAt: claimed.startedAt!,
      resultOf: (round, step) => resultOf(project, round, step),
      signal: o.signal,
      onProgress: o.onProgress,
      force: o.force,
    })
  } catch (e) {
    // A cancelled step is left as a killed one would be: 'running' with no process, resumed next time.
    if (!(e instanceof CancelledError)) failStep(project, row, e instanceof Error ? e.message : String(e))
    throw e
  }
  if (outcome.done) finishStep(project, row, outcome.result)
  else waitStep(project, row, outcome.result)
  return {
    round: row.round,
    step: row.step,
    state: outcome.done ? 'done' : 'pending',
    result: outcome.result,
  }
}

/** Runs steps until `until` has run (inclusive) or a step waits; returns each step's report. */
export async function runUntil(
  project: Project,
  runners: StepRunners,
  until: StepName,
  o: StageOptions & { force?: boolean } = {},
): Promise<StepReport[]> {
  const reports: StepReport[] = []
  for (;;) {
    const report = await runStep(project, runners, o)
    reports.push(report)
    if (report.state !== 'done' || report.step === until) return reports
  }
}
