import {
  checkSet,
  currentLabels,
  majorityLabels,
  setLabel,
  undoLabel,
  type LabelValue,
} from '../engine/labels/index.ts'
import type { Handlers } from './types.ts'
import { withProject } from './with-project.ts'

export const labelHandlers: Pick<Handlers, 'labels.get' | 'label.set' | 'label.undo'> = {
  'labels.get': async ({ dir, set, annotator }) =>
    withProject(dir, (project) => {
      checkSet(project, set)
      const labels = currentLabels(project, set)
      const mine: Record<string, LabelValue> = {}
      for (const [roi, value] of labels.get(annotator) ?? []) mine[roi] = value
      const majority: Record<string, LabelValue> = {}
      for (const [roi, m] of majorityLabels(labels))
        if (m.votes > 0 && m.value !== 'unsure') majority[roi] = m.value
      return { setId: set, annotator, mine, majority, annotators: [...labels.keys()].sort() }
    }),

  'label.set': async ({ dir, set, roi, value, annotator, round, requestId }) =>
    withProject(dir, (project) => {
      const row = setLabel(project, set, roi, value, annotator, round, requestId)
      return { roi: row.roi, value, labelId: row.id }
    }),

  'label.undo': async ({ dir, set, annotator }) =>
    withProject(dir, (project) => {
      const row = undoLabel(project, set, annotator)
      return row ? { roi: row.roi, value: row.value } : null
    }),
}
