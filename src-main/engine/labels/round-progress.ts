import { InputError } from '../errors.ts'
import type { Project } from '../store/index.ts'
import { allRounds, latestRound, round as readRound, type Strategy } from '../suggest/index.ts'
import { currentLabels, majorityLabels, type Majority } from './store.ts'

/**
 * The one rule for "this query is answered", which the campaign's annotate step, the `suggest` and
 * `round` refusals and the grid's round picker share: its annotators have a majority. Unsure-only
 * counts (someone looked and could not tell), a tie of correct and incorrect votes does not (someone
 * must break it).
 */
export function isAnswered(m: Majority | undefined): boolean {
  return m !== undefined && !(m.votes > 0 && m.agreement === 0.5)
}

/** The ROIs among `rois` (of the set) that are not answered yet, in the order given. */
export function unansweredRois(project: Project, setId: number, rois: readonly number[]): number[] {
  const majority = majorityLabels(currentLabels(project, setId))
  return rois.filter((roi) => !isAnswered(majority.get(roi)))
}

export interface RoundProgress {
  id: number
  setId: number
  number: number
  strategy: Strategy
  createdAt: string
  /** Queries in the round. */
  queries: number
  /** Queries answered (see isAnswered). */
  labelled: number
}

/** Every round of the project (set by set, in order) with how many of its queries are answered. */
export function roundsProgress(project: Project): RoundProgress[] {
  const majorities = new Map<number, Map<number, Majority>>()
  return allRounds(project).map((r) => {
    let majority = majorities.get(r.setId)
    if (!majority) majorities.set(r.setId, (majority = majorityLabels(currentLabels(project, r.setId))))
    const queries = readRound(project, r.id)!.queries
    const labelled = queries.filter((q) => isAnswered(majority.get(q.roi))).length
    return { ...r, queries: queries.length, labelled }
  })
}

/**
 * The current round (the latest of the newest set that has one: the round the grid shows first) when
 * some of its queries are not answered yet, else null.
 */
export function unfinishedRound(project: Project): RoundProgress | null {
  const latest = latestRound(project)
  if (!latest) return null
  const r = readRound(project, latest.id)!
  const missing = unansweredRois(
    project,
    r.setId,
    r.queries.map((q) => q.roi),
  ).length
  if (missing === 0) return null
  return {
    id: r.id,
    setId: r.setId,
    number: r.number,
    strategy: r.strategy,
    createdAt: r.createdAt,
    queries: r.queries.length,
    labelled: r.queries.length - missing,
  }
}

/**
 * Refuses to start another round while the current one is unfinished, unless `force`: a new round
 * becomes the one the grid shows, and the rest of this one would be left behind without a word.
 */
export function refuseUnfinishedRound(project: Project, force: boolean): void {
  if (force) return
  const r = unfinishedRound(project)
  if (!r) return
  throw new InputError(
    `round ${r.number} of proposal set ${r.setId} has ${r.queries - r.labelled} of ${r.queries} queries unlabelled; ` +
      "label them (the Queries screen or 'activeem label'), or pass --force to start a new round anyway",
  )
}
