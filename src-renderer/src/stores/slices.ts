import { defineStore } from 'pinia'
import { computed, ref, shallowReactive, watch } from 'vue'
import { useTransport } from '../api/transport.ts'
import { MITO_PALETTE, renderThumb, SYNAPSE_PALETTE } from '../grid/outline.ts'
import { decodeBase64 } from '../lib/base64.ts'
import { messageOf } from '../lib/errors.ts'
import { useGridPrefsStore } from './grid-prefs.ts'
import { useGridViewStore } from './grid-view.ts'
import { useRoundStore } from './round.ts'

/** The slices shown around an ROI's own: z-1, z, z+1. */
export const SLICE_OFFSETS = [-1, 0, 1] as const

export interface SliceImage {
  dz: number
  /** The slice it shows (an offset past the volume's edge shows the edge slice). */
  z: number
  bitmap: ImageBitmap
}

/** One ROI's enlarged slices, or why they cannot be shown. */
export type SliceView =
  | { state: 'loading' }
  | { state: 'ready'; size: number; slices: SliceImage[] }
  | { state: 'failed'; message: string }

/** Views kept drawn (a few screens of hovering), the oldest dropped first. */
const KEPT = 48

/**
 * The grid's enlarged slices of one ROI: shown while a thumbnail is hovered, or for the focused query
 * while Z has them on (they follow the focus). Drawn once per ROI and outline setting, from thumbs.get
 * with a z offset; a set whose slices cannot be cut (no raw volume recorded) is asked once.
 */
export const useSlicesStore = defineStore('slices', () => {
  const round = useRoundStore()
  const prefs = useGridPrefsStore()
  const view = useGridViewStore()

  /** Z: the focused ROI's slices are shown, following the focus. */
  const enlarged = ref(false)
  /** The ROI whose thumbnail the pointer has rested on. */
  const hovered = ref<number | null>(null)
  const roi = computed(() => hovered.value ?? (enlarged.value ? view.focusRoi : null))

  const views = shallowReactive(new Map<string, SliceView>())
  /** Sets whose slices could not be cut, with the reason: not asked again. */
  const setFailures = shallowReactive(new Map<string, string>())

  const setKey = (): string | null => (round.dir && round.round ? `${round.dir}\n${round.round.setId}` : null)
  const keyOf = (set: string, id: number, outline: boolean): string => `${set}\n${id}\n${outline ? 1 : 0}`

  /** What to show for the ROI shown now; null when none is. */
  const current = computed<SliceView | null>(() => {
    const id = roi.value
    const set = setKey()
    if (id === null || !set) return null
    const failure = setFailures.get(set)
    if (failure) return { state: 'failed', message: failure }
    return views.get(keyOf(set, id, prefs.outline)) ?? { state: 'loading' }
  })

  // The shown ROI's slices are fetched once (per outline setting), when it is first shown.
  watch([roi, setKey, () => prefs.outline], ([id, set, outline]) => {
    if (id === null || !set || setFailures.has(set)) return
    const key = keyOf(set, id, outline)
    if (views.has(key)) return
    views.set(key, { state: 'loading' })
    void fetch(set, key, id, outline)
  })

  async function fetch(set: string, key: string, id: number, outline: boolean): Promise<void> {
    const r = round.round
    const dir = round.dir
    if (!r || !dir) return
    const stale = (): boolean => setKey() !== set
    const palette = round.task === 'mito' ? MITO_PALETTE : SYNAPSE_PALETTE
    try {
      const replies = await Promise.all(
        SLICE_OFFSETS.map((dz) => useTransport().call('thumbs.get', { dir, set: r.setId, rois: [id], dz })),
      )
      const slices = await Promise.all(
        replies.map(async (reply, k) => {
          const t = reply.thumbs[0]!
          const s = reply.size
          const mask = new Int8Array(decodeBase64(t.mask).buffer)
          const rgba = renderThumb(decodeBase64(t.image), mask, s, palette, outline)
          const bitmap = await createImageBitmap(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, s, s))
          return { dz: SLICE_OFFSETS[k]!, z: t.z, bitmap }
        }),
      )
      if (stale()) {
        for (const slice of slices) slice.bitmap.close()
        views.delete(key)
        return
      }
      keep(key, { state: 'ready', size: replies[0]!.size, slices })
    } catch (e) {
      if (stale()) {
        views.delete(key)
        return
      }
      // The same reason holds for every ROI of the set (no raw volume, a file gone): it is not asked again.
      setFailures.set(set, `slices not available: ${messageOf(e)}`)
      views.delete(key)
    }
  }

  function keep(key: string, next: SliceView): void {
    views.delete(key)
    views.set(key, next)
    while (views.size > KEPT) {
      const [oldest, dropped] = views.entries().next().value!
      views.delete(oldest)
      if (dropped.state === 'ready') for (const s of dropped.slices) s.bitmap.close()
    }
  }

  function toggle(): void {
    enlarged.value = !enlarged.value
  }

  function hide(): void {
    enlarged.value = false
    hovered.value = null
  }

  function hover(id: number | null): void {
    hovered.value = id
  }

  return { enlarged, hovered, roi, current, toggle, hide, hover }
})
