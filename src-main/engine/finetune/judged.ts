import { lastLabelId } from '../labels/index.ts'
import { reviewSet } from '../review/index.ts'
import type { Project } from '../store/index.ts'
import { VERDICT_RULE, type Verdict } from '../verdicts/index.ts'

export interface JudgedRois {
  verdicts: Map<number, Verdict>
  /** How many of the verdicts are the annotators' own majority; the rest are propagated. */
  annotated: number
  propagated: number
  /** The newest label row taken into account: which labels a fine-tuned model learnt from. */
  labelsUpTo: number
}

/**
 * The ROIs of a set with a verdict someone gave: each ROI's majority of the annotators' correct/incorrect
 * labels (unsure and ties are no verdict). With `propagated`, also the ROIs the project's rule labels
 * from their clusters (the export's `propagated`); an ROI whose clusters are tied or silent is left out,
 * where the export calls it 'correct' by default, which nobody said.
 */
export function judgedRois(project: Project, setId: number, propagated: boolean): JudgedRois {
  const review = reviewSet(project, setId, { ...VERDICT_RULE, ties: 'no-verdict' })
  const verdicts = new Map<number, Verdict>()
  let annotated = 0
  review.rois.forEach((r, i) => {
    const v = review.verdicts.final[i]
    const own = review.verdicts.source[i] === 'own'
    if (v === null || v === undefined || !(own || propagated)) return
    verdicts.set(r.id, v)
    if (own) annotated++
  })
  const labelsUpTo = lastLabelId(project, setId) ?? 0
  return { verdicts, annotated, propagated: verdicts.size - annotated, labelsUpTo }
}
