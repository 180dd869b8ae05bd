import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef } from 'vue'
import { useTransport } from '../api/transport.ts'
import { countLabels, restOfCluster, toggled, type LabelChoice } from '../grid/labels.ts'
import { messageOf } from '../lib/errors.ts'
import { useAnnotatorStore } from './annotator.ts'
import { useProjectStore } from './project.ts'
import { useRoundStore } from './round.ts'

/** Another annotator's current label of an ROI. */
export interface OtherVote {
  annotator: string
  value: LabelChoice
}

/**
 * This annotator's labels of the shown round. A label shows only once label.set has answered (the row
 * is committed); until then the ROI is `pending` with the value sent.
 */
export const useLabelsStore = defineStore('labels', () => {
  const project = useProjectStore()
  const round = useRoundStore()
  const annotator = useAnnotatorStore()

  const mine = reactive(new Map<number, LabelChoice>())
  /** ROI -> the value sent and not yet committed. */
  const pending = reactive(new Map<number, LabelChoice>())
  /** Counts label.set calls; per ROI the number of the last one sent, whose reply ends its pending state. */
  let sends = 0
  const lastSend = new Map<number, number>()
  /** Everyone who labelled this set. */
  const annotators = ref<string[]>([])
  /** ROI -> the other annotators' labels, as they stood when the round was loaded. */
  const others = shallowRef(new Map<number, OtherVote[]>())
  const lastMessage = ref<string | null>(null)

  const counts = computed(() => countLabels(round.queries, (roi) => mine.get(roi)))

  function forget(): void {
    mine.clear()
    pending.clear()
    others.value = new Map()
  }

  /** This annotator's labels of the round, unless `isLatest` says a later load began meanwhile. */
  async function load(isLatest = round.loads.current()): Promise<void> {
    const r = round.round
    const who = annotator.effective()
    if (!r || !round.dir || !who) return
    const state = await useTransport().call('labels.get', { dir: round.dir, set: r.setId, annotator: who })
    if (!isLatest() || who !== annotator.effective()) return
    mine.clear()
    for (const [roi, value] of Object.entries(state.mine)) mine.set(Number(roi), value)
    annotators.value = state.annotators
    others.value = new Map(Object.entries(state.others).map(([roi, votes]) => [Number(roi), votes]))
  }

  /** Sends one label; the tile shows it once the engine has committed it. */
  async function label(roi: number, value: LabelChoice): Promise<void> {
    const r = round.round
    const dir = round.dir
    const who = annotator.effective()
    if (!r || !dir) return
    pending.set(roi, value)
    const send = ++sends
    lastSend.set(roi, send)
    try {
      const done = await useTransport().call('label.set', {
        dir,
        set: r.setId,
        roi,
        value,
        annotator: who,
        round: r.id,
        // The host stores a label once per id, however often a reconnecting client sends it.
        requestId: newRequestId(),
      })
      // A reply for another round or another annotator (the name changed meanwhile) is not this grid's label.
      round.refreshProgress()
      if (round.round !== r || annotator.effective() !== who) return
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

  /** Takes back this annotator's last label of the set; the ROI it was, or null when there was none. */
  async function undo(): Promise<number | null> {
    const r = round.round
    const dir = round.dir
    const who = annotator.effective()
    if (!r || !dir) return null
    try {
      const done = await useTransport().call('label.undo', { dir, set: r.setId, annotator: who })
      round.refreshProgress()
      if (round.round !== r || annotator.effective() !== who) return null
      if (!done) {
        lastMessage.value = 'Nothing to undo'
        return null
      }
      if (done.value === null) mine.delete(done.roi)
      else mine.set(done.roi, done.value)
      lastMessage.value = `Undone: ROI ${done.roi} is ${done.value ?? 'unlabelled'} again`
      return done.roi
    } catch (e) {
      project.reportError(`undo failed: ${messageOf(e)}`)
      return null
    }
  }

  /** Every unlabelled query of `cluster` is labelled correct (Shift-A). */
  async function acceptRestOf(cluster: number): Promise<void> {
    const rest = restOfCluster(round.queries, cluster, expected)
    lastMessage.value = rest.length
      ? `Cluster ${cluster}: ${rest.length} unlabelled ROI${rest.length === 1 ? '' : 's'} labelled correct`
      : `Cluster ${cluster}: nothing left unlabelled`
    await Promise.all(rest.map((roi) => label(roi, 'correct')))
  }

  return {
    mine,
    pending,
    annotators,
    others,
    lastMessage,
    counts,
    forget,
    load,
    label,
    expected,
    toggle,
    undo,
    acceptRestOf,
  }
})

/** A random id for one request: randomUUID where the page is a secure context, else 16 random bytes. */
function newRequestId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  )
}
