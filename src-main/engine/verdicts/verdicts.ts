import type { Majority } from '../labels/index.ts'

/** What a proposal is judged to be: the detection is right, or it is a false positive. */
export type Verdict = 'correct' | 'incorrect'

/** Clusters of every ROI, numbered 0 .. clusters - 1. */
export interface Partition {
  assignment: Int32Array
  clusters: number
}

/**
 * The clusters answers propagate over: the subclusters, and for strategies that make them (two-stream),
 * the first-stream clusters above them.
 */
export interface RoiClusters {
  fine: Partition
  first?: Partition | undefined
}

export interface VerdictRule {
  /** 'first-stream': the first-stream cluster decides and a tie there falls to the subcluster. */
  level: 'first-stream' | 'subcluster'
  /** What an ROI gets when its last level is tied or has no answer. */
  ties: 'detection-stands' | 'no-verdict'
}

/**
 * The paper's rule (Sec. 4.2), the one simulate measures and export and fine-tuning apply: two levels
 * where there are two, and a tie or silence leaves the detection as it is.
 */
export const VERDICT_RULE: VerdictRule = { level: 'first-stream', ties: 'detection-stands' }

/** Where an ROI's verdict came from. */
export type VerdictSource = 'own' | 'first-stream' | 'subcluster' | 'default' | 'none'

export interface Verdicts {
  /** Per ROI: its own answer, else what its clusters say (null: no verdict, under ties 'no-verdict'). */
  final: Array<Verdict | null>
  source: VerdictSource[]
  /** Per ROI: what its clusters say, its own answer being one vote among its cluster's. */
  propagated: Array<Verdict | null>
  /** The level actually used: 'subcluster' when no first-stream clusters were given. */
  level: VerdictRule['level']
}

/** The rule in words, as the README and the export's manifest state it. */
export const LABEL_RULE = {
  majority:
    "Per ROI, the majority of the annotators' current correct/incorrect labels; unsure is no vote; a tie, or only unsure labels, gives 'unsure'. Agreement is the share of votes that agree with the majority.",
  propagated:
    "Each ROI with a definite (correct/incorrect) majority is one vote. An ROI takes the majority of the votes in its first-stream cluster of the latest round (two-stream rounds); a tie there, or no first-stream cluster, falls to its subcluster (the round's cluster column); a tie or no vote there gives 'correct' (the detection stands). ROIs outside every cluster (no round) are clusters of their own.",
  final:
    "The ROI's own majority when it is correct or incorrect; otherwise (not labelled, tie, only unsure) the propagated label.",
}

/**
 * One vote per ROI: its annotators' majority where that is correct or incorrect (true: correct).
 * Unsure-only ROIs and ties give no vote, so one ROI with many annotators does not outweigh its cluster.
 */
export function roiVotes(majorities: ReadonlyMap<number, Majority>): Map<number, boolean> {
  const votes = new Map<number, boolean>()
  for (const [roi, m] of majorities)
    if (m.value === 'correct' || m.value === 'incorrect') votes.set(roi, m.value === 'correct')
  return votes
}

function tally(p: Partition, answers: ReadonlyMap<number, boolean>): Int32Array {
  const v = new Int32Array(p.clusters)
  for (const [i, correct] of answers) v[p.assignment[i]!]! += correct ? 1 : -1
  return v
}

const sign = (v: number): Verdict => (v > 0 ? 'correct' : 'incorrect')

/**
 * Label propagation: every ROI (index 0 .. n - 1 of the partitions) keeps its own answer, and the
 * others take their clusters' majority as `rule` says. A first-stream cluster holds several answers
 * from the second round on, so one wrong subcluster answer no longer decides alone.
 */
export function propagateVerdicts(
  clusters: RoiClusters,
  answers: ReadonlyMap<number, boolean>,
  rule: VerdictRule,
): Verdicts {
  const { fine } = clusters
  const first = rule.level === 'first-stream' ? clusters.first : undefined
  const vf = tally(fine, answers)
  const vc = first ? tally(first, answers) : null
  const n = fine.assignment.length
  const out: Verdicts = {
    final: new Array<Verdict | null>(n),
    source: new Array<VerdictSource>(n),
    propagated: new Array<Verdict | null>(n),
    level: first ? 'first-stream' : 'subcluster',
  }
  const none = rule.ties === 'detection-stands' ? 'correct' : null
  for (let i = 0; i < n; i++) {
    const c = vc ? vc[first!.assignment[i]!]! : 0
    const f = vf[fine.assignment[i]!]!
    const [propagated, from]: [Verdict | null, VerdictSource] =
      c !== 0
        ? [sign(c), 'first-stream']
        : f !== 0
          ? [sign(f), 'subcluster']
          : [none, none ? 'default' : 'none']
    const own = answers.get(i)
    out.propagated[i] = propagated
    out.final[i] = own === undefined ? propagated : own ? 'correct' : 'incorrect'
    out.source[i] = own === undefined ? from : 'own'
  }
  return out
}
