import { defineStore } from 'pinia'
import { messageOf } from '../lib/errors.ts'
import { useAnnotatorStore } from './annotator.ts'
import { useGridViewStore } from './grid-view.ts'
import { useLabelsStore } from './labels.ts'
import { useProjectStore } from './project.ts'
import { useRoundStore } from './round.ts'
import { useThumbnailsStore } from './thumbnails.ts'

/**
 * The query grid's actions that span its stores: loading a round (the round, the annotator's labels,
 * the remembered view), changing the annotator, and the label actions that move the focus.
 */
export const useQueriesStore = defineStore('queries', () => {
  const project = useProjectStore()
  const round = useRoundStore()
  const annotator = useAnnotatorStore()
  const labels = useLabelsStore()
  const thumbnails = useThumbnailsStore()
  const view = useGridViewStore()

  /**
   * A round of the project at `target` (`wanted`, else the one picked there, else the current one), its
   * set's task, every round's progress and this annotator's labels.
   */
  async function load(target: string, wanted?: number): Promise<void> {
    const isLatest = round.loads.next()
    round.loading = true
    try {
      const shown = await round.fetchShown(target, wanted)
      if (!isLatest()) return
      if (!round.isShown(target, shown.round)) thumbnails.forget()
      round.show(target, shown.round, shown.task, shown.overview)
      labels.forget()
      const saved = await view.recall(target, shown.round?.id ?? null)
      await annotator.recall(target)
      if (!isLatest()) return
      view.restore(saved)
      await labels.load(isLatest)
      if (!isLatest()) return
      view.focusStart(saved)
    } catch (e) {
      if (isLatest()) project.reportError(`cannot load the queries: ${messageOf(e)}`)
    } finally {
      if (isLatest()) round.loading = false
    }
  }

  /** Shows round `id` (of the open project) in the grid, and remembers the choice for the project. */
  async function showRound(target: string, id: number): Promise<void> {
    round.choose(target, id, round.overview?.current ?? null)
    await load(target, id)
  }

  /** Labels under `name` from now on, with that annotator's labels shown; false when it is no name. */
  async function setAnnotator(name: string): Promise<boolean> {
    if (!annotator.rename(name)) return false
    labels.pending.clear()
    try {
      await labels.load()
    } catch (e) {
      project.reportError(`cannot read the labels of ${annotator.name}: ${messageOf(e)}`)
    }
    return true
  }

  /** Takes back the last label; its query takes the focus if the filter shows it. */
  async function undo(): Promise<void> {
    const roi = await labels.undo()
    if (roi !== null && view.items.some((q) => q.roi === roi)) view.focus(roi)
  }

  /** Shift-A: every unlabelled query of the focused ROI's cluster is labelled correct. */
  async function acceptRestOfCluster(): Promise<void> {
    const q = view.focused
    if (q) await labels.acceptRestOf(q.cluster)
  }

  return { load, showRound, setAnnotator, undo, acceptRestOfCluster }
})
