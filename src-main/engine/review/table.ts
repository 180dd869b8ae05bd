import type { LabelValue } from '../labels/index.ts'
import { roiPlace, type Roi, type RoiPlace } from '../proposals/index.ts'
import type { Project } from '../store/index.ts'
import {
  LABEL_RULE,
  VERDICT_RULE,
  type Verdict,
  type VerdictRule,
  type VerdictSource,
} from '../verdicts/index.ts'
import { reviewSet } from './set.ts'

/** One ROI as the export's table holds it (CSV columns and JSON keys alike). */
export interface RoiTableRow extends RoiPlace {
  probability: number
  max_probability: number
  /** The ROI's cluster (subcluster, for two-stream) in the set's latest round; null without a round. */
  cluster: number | null
  /** The first-stream cluster above it; null for strategies without one and for older rounds. */
  first_stream: number | null
  /** Majority of the annotators' labels; null when nobody labelled the ROI. */
  majority: LabelValue | null
  agreement: number | null
  votes: number
  propagated: Verdict
  final: Verdict
  /** Where the final verdict came from: own, first-stream, subcluster or default. */
  source: Exclude<VerdictSource, 'none'>
}

export interface RoiTable {
  rows: RoiTableRow[]
  /** The set's ROIs as stored (polarity and alignment included), same order as rows. */
  rois: Roi[]
  round: { id: number; number: number } | null
  /** The rule the table applied, its level being the one the round's clusters allowed. */
  rule: typeof LABEL_RULE & VerdictRule
}

/** Every ROI of the set with its majority and its verdict under the project's rule (the detection stands by default). */
export function roiTable(project: Project, setId: number): RoiTable {
  const review = reviewSet(project, setId, VERDICT_RULE)
  const { verdicts } = review
  const rows = review.rois.map((r, i): RoiTableRow => {
    const m = review.majorities.get(r.id)
    return {
      ...roiPlace(r),
      probability: r.mean,
      max_probability: r.max,
      cluster: review.clusters[i]!.cluster,
      first_stream: review.clusters[i]!.parent,
      majority: m?.value ?? null,
      agreement: m ? m.agreement : null,
      votes: m?.votes ?? 0,
      // Never null: ties 'detection-stands' always gives a verdict.
      propagated: verdicts.propagated[i]!,
      final: verdicts.final[i]!,
      source: verdicts.source[i] as RoiTableRow['source'],
    }
  })
  return {
    rows,
    rois: review.rois,
    round: review.round,
    rule: { ...LABEL_RULE, level: verdicts.level, ties: VERDICT_RULE.ties },
  }
}
