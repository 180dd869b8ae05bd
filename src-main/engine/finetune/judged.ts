import { roiTable } from '../export/index.ts'
import { currentLabels, majorityLabels } from '../labels/index.ts'
import type { Project } from '../store/index.ts'
import type { Verdict } from './targets.ts'

export interface JudgedRois {
  verdicts: Map<number, Verdict>
  /** How many of the verdicts are the annotators' own majority; the rest are propagated. */
  annotated: number
  propagated: number
  /** The newest label row taken into account: which labels a fine-tuned model learnt from. */
  labelsUpTo: number
}

/**
 * The ROIs of a set with a definite verdict: each ROI's majority of the annotators' correct/incorrect
 * labels (unsure and ties are no verdict). With `propagated`, also the ROIs of the latest round's
 * clusters that hold a definite majority, labelled as that majority; clusters without a definite ROI or
 * with a tie are left out (the export's table calls those 'correct' by default, which nobody said).
 */
export function judgedRois(project: Project, setId: number, propagated: boolean): JudgedRois {
  const verdicts = new Map<number, Verdict>()
  for (const [roi, m] of majorityLabels(currentLabels(project, setId)))
    if (m.value === 'correct' || m.value === 'incorrect') verdicts.set(roi, m.value)
  const annotated = verdicts.size
  if (propagated) {
    const rows = roiTable(project, setId).rows
    const tally = new Map<number, number>()
    for (const r of rows) {
      const v = verdicts.get(r.id)
      if (r.cluster !== null && v)
        tally.set(r.cluster, (tally.get(r.cluster) ?? 0) + (v === 'correct' ? 1 : -1))
    }
    for (const r of rows) {
      if (verdicts.has(r.id) || r.cluster === null) continue
      const t = tally.get(r.cluster) ?? 0
      if (t !== 0) verdicts.set(r.id, t > 0 ? 'correct' : 'incorrect')
    }
  }
  const last = project.db.prepare('SELECT MAX(id) AS id FROM labels WHERE set_id = ?').get(setId) as {
    id: number | null
  }
  return { verdicts, annotated, propagated: verdicts.size - annotated, labelsUpTo: last.id ?? 0 }
}
