import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowReactive, shallowRef, watch } from 'vue'
import { AnnotatorName, type QueryItem, type RoundInfo } from '../../../src-shared/contract.ts'
import { useTransport } from '../api/transport.ts'
import { loadUiState, saveUiState } from '../api/ui-state.ts'
import {
  countLabels,
  keeps,
  LABEL_FILTERS,
  restOfCluster,
  toggled,
  type LabelChoice,
  type LabelFilter,
} from '../grid/labels.ts'
import { decodeBase64, MITO_PALETTE, renderThumb, SYNAPSE_PALETTE } from '../grid/outline.ts'
import { useProjectStore } from './project.ts'
import { useViewerStore } from './viewer.ts'

/**
 * thumbs.get takes at most this many ROIs a call; two calls at a time keep the socket busy, not flooded.
 * A reply is parsed in one task, so a call is kept small enough (~0.7 MB) not to hold up a frame.
 */
const THUMB_BATCH = 64
const THUMB_CALLS = 2
const ANNOTATOR_KEY = 'activeem.annotator'

interface SavedView {
  cluster: number | null
  label: LabelFilter
  focusRoi: number | null
  scrollTop: number
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/**
 * The current round's queries, their thumbnails and this annotator's labels. A label shows only once
 * label.set has answered (the row is committed); until then the ROI is `pending`.
 */
export const useQueriesStore = defineStore('queries', () => {
  const project = useProjectStore()
  const viewer = useViewerStore()

  const dir = ref<string | null>(null)
  const round = shallowRef<RoundInfo | null>(null)
  const task = ref<'synapse' | 'mito' | null>(null)
  const loading = ref(false)
  const annotators = ref<string[]>([])

  /**
   * Drawn thumbnails by ROI: each is drawn once, when it arrives, and never fetched again. Reactive
   * per ROI, so an arriving thumbnail re-renders its own tile, not the grid.
   */
  const bitmaps = shallowReactive(new Map<number, ImageBitmap>())
  const thumbSize = ref(64)
  const failedThumbs = reactive(new Set<number>())
  const requested = new Set<number>()
  let wanted: number[] = []
  let thumbCalls = 0

  const mine = reactive(new Map<number, LabelChoice>())
  /** ROI -> the value sent and not yet committed. */
  const pending = reactive(new Map<number, LabelChoice>())
  /** Counts label.set calls; per ROI the number of the last one sent, whose reply ends its pending state. */
  let sends = 0
  const lastSend = new Map<number, number>()
  const lastMessage = ref<string | null>(null)

  const annotator = ref<string>(localStorage.getItem(ANNOTATOR_KEY) ?? '')
  const filterCluster = ref<number | null>(null)
  const filterLabel = ref<LabelFilter>('all')
  const focusRoi = ref<number | null>(null)
  /** Where the focus was in the filtered list: when its ROI leaves the list, the focus stays at that place. */
  let focusIndexHint = 0
  /** The scroll position to restore once the grid is laid out (per project). */
  const savedScrollTop = ref(0)
  /** Bumped on every load: replies that belong to an earlier round or project are dropped. */
  let generation = 0

  const queries = computed<QueryItem[]>(() => round.value?.queries ?? [])
  const clusters = computed(() => [...new Set(queries.value.map((q) => q.cluster))])
  const labelOf = (roi: number): LabelChoice | undefined => mine.get(roi)
  const counts = computed(() => countLabels(queries.value, labelOf))
  const items = computed(() =>
    queries.value.filter(
      (q) =>
        (filterCluster.value === null || q.cluster === filterCluster.value) &&
        keeps(filterLabel.value, mine.get(q.roi)),
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

  function effectiveAnnotator(): string {
    return annotator.value || project.info?.annotator || ''
  }

  function saveView(): void {
    if (!dir.value) return
    const view: SavedView = {
      cluster: filterCluster.value,
      label: filterLabel.value,
      focusRoi: focusRoi.value,
      scrollTop: savedScrollTop.value,
    }
    saveUiState(dir.value, 'grid', view)
  }
  watch([filterCluster, filterLabel, focusRoi], saveView)

  function rememberScroll(top: number): void {
    savedScrollTop.value = top
    saveView()
  }

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

  async function loadLabels(mineGen = generation): Promise<void> {
    const r = round.value
    const who = effectiveAnnotator()
    if (!r || !dir.value || !who) return
    const state = await useTransport().call('labels.get', { dir: dir.value, set: r.setId, annotator: who })
    if (mineGen !== generation || who !== effectiveAnnotator()) return
    mine.clear()
    for (const [roi, value] of Object.entries(state.mine)) mine.set(Number(roi), value)
    annotators.value = state.annotators
  }

  /** The latest round of the project at `target`, its set's task and this annotator's labels. */
  async function load(target: string): Promise<void> {
    const mineGen = ++generation
    loading.value = true
    try {
      const r = await useTransport().call('round.get', { dir: target })
      const set = r ? await useTransport().call('rois.list', { dir: target, set: r.setId }) : null
      if (mineGen !== generation) return
      const sameRound = dir.value === target && round.value?.id === r?.id && round.value?.setId === r?.setId
      if (!sameRound) {
        bitmaps.clear()
        requested.clear()
        failedThumbs.clear()
        wanted = []
      }
      dir.value = target
      round.value = r
      task.value = set?.task ?? null
      mine.clear()
      pending.clear()
      const view = (await loadUiState<Partial<SavedView>>(target, 'grid')) ?? {}
      // The name this project was last labelled under, where this browser does not remember one.
      const savedAnnotator = await loadUiState<string>(target, 'annotator')
      if (
        !annotator.value &&
        typeof savedAnnotator === 'string' &&
        AnnotatorName.safeParse(savedAnnotator).success
      )
        annotator.value = savedAnnotator
      if (mineGen !== generation) return
      filterCluster.value = typeof view.cluster === 'number' ? view.cluster : null
      filterLabel.value = view.label && LABEL_FILTERS.includes(view.label) ? view.label : 'all'
      savedScrollTop.value = typeof view.scrollTop === 'number' ? view.scrollTop : 0
      await loadLabels(mineGen)
      if (mineGen !== generation) return
      const remembered = typeof view.focusRoi === 'number' ? view.focusRoi : null
      const start = items.value.find((q) => q.roi === remembered) ?? items.value[0]
      if (start) focus(start.roi)
    } catch (e) {
      if (mineGen === generation) project.reportError(`cannot load the queries: ${messageOf(e)}`)
    } finally {
      if (mineGen === generation) loading.value = false
    }
  }

  async function setAnnotator(name: string): Promise<boolean> {
    const trimmed = name.trim()
    if (!AnnotatorName.safeParse(trimmed).success) {
      project.reportError(
        `annotator '${trimmed}': an annotator name is 1-64 letters, digits, dots, dashes or underscores`,
      )
      return false
    }
    annotator.value = trimmed
    localStorage.setItem(ANNOTATOR_KEY, trimmed)
    if (dir.value) saveUiState(dir.value, 'annotator', trimmed, 0)
    pending.clear()
    try {
      await loadLabels()
    } catch (e) {
      project.reportError(`cannot read the labels of ${trimmed}: ${messageOf(e)}`)
    }
    return true
  }

  /** The ROIs the grid shows now (and a margin), most wanted first; fetches the ones never asked for. */
  function wantThumbs(rois: number[]): void {
    wanted = rois.filter((roi) => !requested.has(roi))
    pumpThumbs()
  }

  function pumpThumbs(): void {
    const r = round.value
    if (!r || !dir.value) return
    while (thumbCalls < THUMB_CALLS && wanted.length > 0) {
      const batch = wanted.splice(0, THUMB_BATCH).filter((roi) => !requested.has(roi))
      if (batch.length === 0) continue
      for (const roi of batch) requested.add(roi)
      thumbCalls++
      void fetchThumbs(dir.value, r.setId, batch).finally(() => {
        thumbCalls--
        pumpThumbs()
      })
    }
  }

  async function fetchThumbs(target: string, set: number, rois: number[]): Promise<void> {
    const mineGen = generation
    try {
      const reply = await useTransport().call('thumbs.get', { dir: target, set, rois })
      if (mineGen !== generation) return
      const palette = task.value === 'mito' ? MITO_PALETTE : SYNAPSE_PALETTE
      const s = reply.size
      const drawn = await Promise.all(
        reply.thumbs.map(async (t) => {
          const image = decodeBase64(t.image)
          const mask = new Int8Array(decodeBase64(t.mask).buffer)
          const rgba = renderThumb(image, mask, s, palette)
          return [
            t.roi,
            await createImageBitmap(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, s, s)),
          ] as const
        }),
      )
      if (mineGen !== generation) {
        for (const [, bitmap] of drawn) bitmap.close()
        return
      }
      thumbSize.value = s
      for (const [roi, bitmap] of drawn) bitmaps.set(roi, bitmap)
    } catch (e) {
      if (mineGen !== generation) return
      for (const roi of rois) failedThumbs.add(roi)
      project.reportError(`cannot load thumbnails: ${messageOf(e)}`)
    }
  }

  function bitmapOf(roi: number): ImageBitmap | undefined {
    return bitmaps.get(roi)
  }

  /** Sends one label; the tile shows it once the engine has committed it. */
  async function label(roi: number, value: LabelChoice): Promise<void> {
    const r = round.value
    const who = effectiveAnnotator()
    if (!r || !dir.value) return
    pending.set(roi, value)
    const send = ++sends
    lastSend.set(roi, send)
    try {
      const done = await useTransport().call('label.set', {
        dir: dir.value,
        set: r.setId,
        roi,
        value,
        annotator: who,
        round: r.id,
        // The host stores a label once per id, however often a reconnecting client sends it.
        requestId: newRequestId(),
      })
      // A reply for another round or another annotator (the name changed meanwhile) is not this grid's label.
      if (round.value !== r || effectiveAnnotator() !== who) return
      mine.set(done.roi, done.value)
    } catch (e) {
      project.reportError(`label of ROI ${roi} not saved: ${messageOf(e)}`)
    } finally {
      // A later label of the same ROI may have been sent meanwhile (Y N Y quickly): it owns the pending state.
      if (lastSend.get(roi) === send) {
        pending.delete(roi)
        lastSend.delete(roi)
      }
    }
  }

  /** What the ROI will be once every label sent is committed. */
  function expected(roi: number): LabelChoice | undefined {
    return pending.get(roi) ?? mine.get(roi)
  }

  function toggle(roi: number): Promise<void> {
    return label(roi, toggled(expected(roi)))
  }

  async function undo(): Promise<void> {
    const r = round.value
    const who = effectiveAnnotator()
    if (!r || !dir.value) return
    try {
      const done = await useTransport().call('label.undo', { dir: dir.value, set: r.setId, annotator: who })
      if (round.value !== r || effectiveAnnotator() !== who) return
      if (!done) {
        lastMessage.value = 'Nothing to undo'
        return
      }
      if (done.value === null) mine.delete(done.roi)
      else mine.set(done.roi, done.value)
      lastMessage.value = `Undone: ROI ${done.roi} is ${done.value ?? 'unlabelled'} again`
      if (items.value.some((q) => q.roi === done.roi)) focus(done.roi)
    } catch (e) {
      project.reportError(`undo failed: ${messageOf(e)}`)
    }
  }

  /** Shift-A: every unlabelled query of the focused ROI's cluster is labelled correct. */
  async function acceptRestOfCluster(): Promise<void> {
    const q = focused.value
    if (!q) return
    const rest = restOfCluster(queries.value, q.cluster, expected)
    lastMessage.value = rest.length
      ? `Cluster ${q.cluster}: ${rest.length} unlabelled ROI${rest.length === 1 ? '' : 's'} labelled correct`
      : `Cluster ${q.cluster}: nothing left unlabelled`
    await Promise.all(rest.map((roi) => label(roi, 'correct')))
  }

  return {
    dir,
    round,
    task,
    loading,
    annotators,
    thumbSize,
    failedThumbs,
    mine,
    pending,
    lastMessage,
    annotator,
    filterCluster,
    filterLabel,
    focusRoi,
    savedScrollTop,
    queries,
    clusters,
    counts,
    items,
    focusedIndex,
    focused,
    effectiveAnnotator,
    rememberScroll,
    focus,
    focusIndex,
    setFilter,
    load,
    setAnnotator,
    wantThumbs,
    bitmapOf,
    label,
    toggle,
    undo,
    acceptRestOfCluster,
  }
})

/** A random id for one request: randomUUID where the page is a secure context, else 16 random bytes. */
function newRequestId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  )
}
