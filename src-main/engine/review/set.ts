import { currentLabels, majorityLabels, type Majority } from '../labels/index.ts'
import { roisOf, type Roi } from '../proposals/index.ts'
import type { Project } from '../store/index.ts'
import { latestRound, roundClusters } from '../suggest/index.ts'
import {
  propagateVerdicts,
  roiVotes,
  type Partition,
  type VerdictRule,
  type Verdicts,
} from '../verdicts/index.ts'

/** A proposal set judged: its ROIs, their clusters in the latest round, the annotators' majorities and the verdicts. */
export interface SetReview {
  rois: Roi[]
  round: { id: number; number: number } | null
  /** Per ROI, in the order of `rois`: its cluster and first-stream cluster; null outside the round. */
  clusters: Array<{ cluster: number | null; parent: number | null }>
  majorities: Map<number, Majority>
  /** Indexed like `rois`. */
  verdicts: Verdicts
}

/**
 * Cluster numbers as stored, and a cluster of its own for every ROI that has none: an ROI the round
 * left out (or every ROI, without a round) keeps its own answer or the default, nobody else's.
 */
function partition(numbers: ReadonlyArray<number | null>): Partition {
  let next = 0
  for (const c of numbers) if (c !== null) next = Math.max(next, c + 1)
  const assignment = Int32Array.from(numbers, (c) => c ?? next++)
  return { assignment, clusters: next }
}

/** The set's verdicts under `rule`, from its current labels and the latest round's clusters. */
export function reviewSet(project: Project, setId: number, rule: VerdictRule): SetReview {
  const rois = roisOf(project, setId)
  const round = latestRound(project, setId)
  const stored = new Map((round ? roundClusters(project, round.id) : []).map((c) => [c.roi, c]))
  const clusters = rois.map((r) => ({
    cluster: stored.get(r.id)?.cluster ?? null,
    parent: stored.get(r.id)?.parent ?? null,
  }))
  const majorities = majorityLabels(currentLabels(project, setId))
  const byId = roiVotes(majorities)
  const answers = new Map<number, boolean>()
  rois.forEach((r, i) => {
    const v = byId.get(r.id)
    if (v !== undefined) answers.set(i, v)
  })
  // Rounds of strategies without a first stream, and rounds stored before it was kept, have no parents.
  const parents = clusters.some((c) => c.parent !== null)
  const verdicts = propagateVerdicts(
    {
      fine: partition(clusters.map((c) => c.cluster)),
      first: parents ? partition(clusters.map((c) => c.parent)) : undefined,
    },
    answers,
    rule,
  )
  return { rois, round, clusters, majorities, verdicts }
}
