import { defineStore } from 'pinia'
import { reactive, ref, shallowReactive, watch } from 'vue'
import { useTransport } from '../api/transport.ts'
import { MITO_PALETTE, renderThumb, SYNAPSE_PALETTE } from '../grid/outline.ts'
import { decodeBase64 } from '../lib/base64.ts'
import { useGridPrefsStore } from './grid-prefs.ts'
import { messageOf } from '../lib/errors.ts'
import { useProjectStore } from './project.ts'
import { useRoundStore } from './round.ts'

/**
 * thumbs.get takes at most this many ROIs a call; two calls at a time keep the socket busy, not flooded.
 * A reply is parsed in one task, so a call is kept small enough (~0.7 MB) not to hold up a frame.
 */
const THUMB_BATCH = 64
const THUMB_CALLS = 2

/**
 * The query thumbnails of the shown round, fetched as the grid scrolls to them. Each is drawn once,
 * when it arrives, and never fetched again.
 */
export const useThumbnailsStore = defineStore('thumbnails', () => {
  const project = useProjectStore()
  const round = useRoundStore()
  const prefs = useGridPrefsStore()

  /** Reactive per ROI, so an arriving thumbnail re-renders its own tile, not the grid. */
  const bitmaps = shallowReactive(new Map<number, ImageBitmap>())
  const size = ref(64)
  const failed = reactive(new Set<number>())
  const requested = new Set<number>()
  let wanted: number[] = []
  let calls = 0
  let generation = 0

  /** Another round is shown: nothing fetched so far belongs to it. */
  function forget(): void {
    generation++ // replies in flight were drawn for what is forgotten: they are dropped
    bitmaps.clear()
    requested.clear()
    failed.clear()
    wanted = []
  }

  /** The ROIs the grid shows now (and a margin), most wanted first; fetches the ones never asked for. */
  function want(rois: number[]): void {
    wanted = rois.filter((roi) => !requested.has(roi))
    pump()
  }

  function pump(): void {
    const r = round.round
    const dir = round.dir
    if (!r || !dir) return
    while (calls < THUMB_CALLS && wanted.length > 0) {
      const batch = wanted.splice(0, THUMB_BATCH).filter((roi) => !requested.has(roi))
      if (batch.length === 0) continue
      for (const roi of batch) requested.add(roi)
      calls++
      void fetchBatch(dir, r.setId, batch).finally(() => {
        calls--
        pump()
      })
    }
  }

  async function fetchBatch(dir: string, set: number, rois: number[]): Promise<void> {
    const ofRound = round.loads.current()
    const drawnFor = generation
    const isLatest = (): boolean => ofRound() && drawnFor === generation
    try {
      const reply = await useTransport().call('thumbs.get', { dir, set, rois })
      if (!isLatest()) return
      const palette = round.task === 'mito' ? MITO_PALETTE : SYNAPSE_PALETTE
      const outline = prefs.outline
      const s = reply.size
      const drawn = await Promise.all(
        reply.thumbs.map(async (t) => {
          const image = decodeBase64(t.image)
          const mask = new Int8Array(decodeBase64(t.mask).buffer)
          const rgba = renderThumb(image, mask, s, palette, outline)
          return [
            t.roi,
            await createImageBitmap(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, s, s)),
          ] as const
        }),
      )
      if (!isLatest()) {
        for (const [, bitmap] of drawn) bitmap.close()
        return
      }
      size.value = s
      for (const [roi, bitmap] of drawn) bitmaps.set(roi, bitmap)
    } catch (e) {
      if (!isLatest()) return
      for (const roi of rois) failed.add(roi)
      project.reportError(`cannot load thumbnails: ${messageOf(e)}`)
    }
  }

  // Thumbnails are drawn once with or without the outline: a toggle draws the shown ones again.
  watch(
    () => prefs.outline,
    () => {
      const again = [...requested]
      forget()
      want(again)
    },
  )

  function bitmapOf(roi: number): ImageBitmap | undefined {
    return bitmaps.get(roi)
  }

  return { size, failed, forget, want, bitmapOf }
})
