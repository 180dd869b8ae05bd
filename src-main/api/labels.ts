import {
  checkSet,
  currentLabels,
  majorityLabels,
  undoLabel,
  type LabelValue,
} from '../engine/labels/index.ts'
import { roiVotes, type Verdict } from '../engine/verdicts/index.ts'
import type { Handlers } from './types.ts'

export const labelHandlers: Pick<Handlers, 'labels.get' | 'label.set' | 'label.undo'> = {
  'labels.get': async ({ dir, set, annotator }, ctx) =>
    ctx.projects.use(dir, (project) => {
      checkSet(project, set)
      const labels = currentLabels(project, set)
      const mine: Record<string, LabelValue> = {}
      for (const [roi, value] of labels.get(annotator) ?? []) mine[roi] = value
      const others: Record<string, Array<{ annotator: string; value: LabelValue }>> = {}
      for (const name of [...labels.keys()].sort()) {
        if (name === annotator) continue
        for (const [roi, value] of labels.get(name)!) (others[roi] ??= []).push({ annotator: name, value })
      }
      const majority: Record<string, Verdict> = {}
      for (const [roi, correct] of roiVotes(majorityLabels(labels)))
        majority[roi] = correct ? 'correct' : 'incorrect'
      return { setId: set, annotator, mine, majority, annotators: [...labels.keys()].sort(), others }
    }),

  // Committed with the other labels that arrive together, and answered after that commit.
  'label.set': async ({ dir, set, roi, value, annotator, round, requestId }, ctx) => {
    const row = await ctx.projects.labels.set(dir, { setId: set, roi, value, annotator, round, requestId })
    return { roi: row.roi, value, labelId: row.id }
  },

  'label.undo': async ({ dir, set, annotator }, ctx) =>
    ctx.projects.use(dir, (project) => {
      const row = undoLabel(project, set, annotator)
      return row ? { roi: row.roi, value: row.value } : null
    }),
}
