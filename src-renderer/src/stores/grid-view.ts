import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { loadUiState, saveUiState } from '../api/ui-state.ts'
import { keeps, LABEL_FILTERS, type LabelFilter } from '../grid/labels.ts'
import { useLabelsStore } from './labels.ts'
import { useRoundStore } from './round.ts'
import { useViewerStore } from './viewer.ts'

/** What the grid remembers per project. */
export interface SavedGridView {
  /** The round these filters, focus and scroll belong to: another round starts afresh. */
  round: number | null
  cluster: number | null
  label: LabelFilter
  focusRoi: number | null
  scrollTop: number
}

/**
 * How the grid shows the round: its filters, the focused query (which is the viewer's selection too)
 * and where it was scrolled, remembered per project.
 */
export const useGridViewStore = defineStore('grid-view', () => {
  const round = useRoundStore()
  const labels = useLabelsStore()
  const viewer = useViewerStore()

  const filterCluster = ref<number | null>(null)
  const filterLabel = ref<LabelFilter>('all')
  const focusRoi = ref<number | null>(null)
  /** Where the focus was in the filtered list: when its ROI leaves the list, the focus stays at that place. */
  let focusIndexHint = 0
  /** The scroll position to restore once the grid is laid out. */
  const savedScrollTop = ref(0)

  const items = computed(() =>
    round.queries.filter(
      (q) =>
        (filterCluster.value === null || q.cluster === filterCluster.value) &&
        keeps(filterLabel.value, labels.mine.get(q.roi)),
    ),
  )
  const focusedIndex = computed(() => {
    const roi = focusRoi.value
    return roi === null ? -1 : items.value.findIndex((q) => q.roi === roi)
  })
  const focused = computed(() => items.value[focusedIndex.value] ?? null)

  // A labelled ROI can leave the filtered list (filter "unlabelled"): the next one takes its place and the focus.
  watch(items, (list) => {
    if (list.length === 0) return
    if (focusRoi.value !== null && list.some((q) => q.roi === focusRoi.value)) return
    focus(list[Math.min(focusIndexHint, list.length - 1)]!.roi)
  })

  function save(): void {
    if (!round.dir) return
    const view: SavedGridView = {
      round: round.round?.id ?? null,
      cluster: filterCluster.value,
      label: filterLabel.value,
      focusRoi: focusRoi.value,
      scrollTop: savedScrollTop.value,
    }
    saveUiState(round.dir, 'grid', view)
  }
  watch([filterCluster, filterLabel, focusRoi], save)

  function rememberScroll(top: number): void {
    savedScrollTop.value = top
    save()
  }

  /** Focuses a query here and selects its ROI in the viewer. */
  function focus(roi: number | null): void {
    focusRoi.value = roi
    if (roi !== null) {
      const index = items.value.findIndex((q) => q.roi === roi)
      if (index >= 0) focusIndexHint = index
    }
    viewer.select(roi)
  }

  function focusIndex(index: number): void {
    const q = items.value[index]
    if (q) focus(q.roi)
  }

  function setFilter(cluster: number | null, label: LabelFilter): void {
    filterCluster.value = cluster
    filterLabel.value = LABEL_FILTERS.includes(label) ? label : 'all'
  }

  /**
   * What the grid of the project at `dir` remembered for round `roundId` (fields that no longer parse are
   * left out when restored). A view saved before views named their round is taken as the shown round's.
   */
  async function recall(dir: string, roundId: number | null): Promise<Partial<SavedGridView>> {
    const saved = (await loadUiState<Partial<SavedGridView>>(dir, 'grid')) ?? {}
    return typeof saved.round === 'number' && saved.round !== roundId ? {} : saved
  }

  function restore(view: Partial<SavedGridView>): void {
    filterCluster.value = typeof view.cluster === 'number' ? view.cluster : null
    filterLabel.value = view.label && LABEL_FILTERS.includes(view.label) ? view.label : 'all'
    savedScrollTop.value = typeof view.scrollTop === 'number' ? view.scrollTop : 0
  }

  /** Focuses the remembered query if the list still has it, else the first. */
  function focusStart(view: Partial<SavedGridView>): void {
    const remembered = typeof view.focusRoi === 'number' ? view.focusRoi : null
    const start = items.value.find((q) => q.roi === remembered) ?? items.value[0]
    if (start) focus(start.roi)
  }

  return {
    filterCluster,
    filterLabel,
    focusRoi,
    savedScrollTop,
    items,
    focusedIndex,
    focused,
    rememberScroll,
    focus,
    focusIndex,
    setFilter,
    recall,
    restore,
    focusStart,
  }
})
