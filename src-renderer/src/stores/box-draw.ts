import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { PipelineCard, PipelineFields } from '../../../src-shared/contract.ts'
import { voxelEstimate } from '../lib/estimate.ts'
import { boxCentre, boxSize, boxVoxels, clampBox, type PredictBox } from '../viewer/box-draw.ts'
import type { Vec3 } from '../viewer/geometry.ts'
import { fitScale } from '../viewer/planes.ts'
import { useProjectStore } from './project.ts'
import { useViewerStore } from './viewer.ts'

/**
 * What the predict card's form held when drawing began: the Project screen is gone while the viewer
 * shows, so the form takes this back when it shows again (with the drawn box in it, once accepted).
 */
export interface PredictFormState {
  fields: PipelineFields
  wholeVolume: boolean
  advanced: string
  touched: boolean
}

export interface BoxDrawRequest {
  /** The project the card belongs to: a form of another project takes nothing back. */
  dir: string
  /** The raw volume's source (PATH#DATASET), as the card and the viewer name it. */
  raw: string
  shape: Vec3
  /** The card's box, or null (none yet: a drag on xy then spans the whole of z). */
  box: PredictBox | null
  rate: PipelineCard['rate']
  form: PredictFormState
}

/** The share of each view the box fills when drawing begins: the rest is context to draw a larger one. */
const FRAME_SHARE = 0.6

/**
 * Drawing the predict box in the viewer: the predict card begins it (its raw volume, its box, its form),
 * the viewer's slice views change the box while its volume is shown, and Enter ("Use this box") or Esc
 * ends it and goes back to the Project screen, whose predict form takes its state back, the box
 * in it when accepted. Leaving the viewer any other way cancels.
 */
export const useBoxDrawStore = defineStore('box-draw', () => {
  const project = useProjectStore()
  const viewer = useViewerStore()

  const request = shallowRef<BoxDrawRequest | null>(null)
  const box = ref<PredictBox | null>(null)
  const active = computed(() => request.value !== null)
  /** Whether the viewer shows the volume the box is drawn on: only then do its views draw and edit it. */
  const onShownVolume = computed(
    () => request.value !== null && viewer.volumeSpec === request.value.raw && viewer.shape !== null,
  )
  const outcome = shallowRef<{ dir: string; form: PredictFormState } | null>(null)
  let framed = false

  const estimate = computed(() => {
    const rate = request.value?.rate
    return box.value && rate?.per === 'voxel' ? voxelEstimate(boxVoxels(box.value), rate) : null
  })

  /** Shows the raw volume in the viewer, the focus in the box, and begins drawing. */
  function begin(next: BoxDrawRequest): void {
    const start = next.box ? clampBox(next.box, next.shape) : null
    request.value = next
    box.value = start
    outcome.value = null
    framed = false
    viewer.showNext(next.raw, start ? boxCentre(start) : null)
    project.show('viewer')
  }

  function setBox(next: PredictBox): void {
    if (request.value) box.value = clampBox(next, request.value.shape)
  }

  /**
   * Once the views have their size and the volume is open: every view centred on the box, zoomed so it
   * fills FRAME_SHARE of the tightest one. Once per drawing: after that the zoom is the user's.
   */
  function frame(): void {
    const b = box.value
    if (framed || !b || !onShownVolume.value) return
    if (Object.values(viewer.sizes).some((s) => s.width <= 0 || s.height <= 0)) return
    framed = true
    const extent = boxSize(b).map((n) => n / FRAME_SHARE) as Vec3
    const middle = [0, 1, 2].map((a) => (b[2 * a]! + b[2 * a + 1]! - 1) / 2) as Vec3
    viewer.setView(middle, fitScale(extent, viewer.aspect, viewer.sizes))
  }

  watch([onShownVolume, () => viewer.shape, () => viewer.sizes], frame, { deep: true })

  function end(form: PredictFormState): void {
    outcome.value = { dir: request.value!.dir, form }
    request.value = null
    box.value = null
  }

  /** Ends drawing with the box in the form's fields (raw volume included, not the whole volume). */
  function accept(): void {
    const r = request.value
    if (!r || !box.value) return
    const fields: PipelineFields = { ...r.form.fields, raw: r.raw, box: [...box.value] }
    end({ ...r.form, fields, wholeVolume: false, touched: true })
    project.show('project')
  }

  /** Ends drawing with the form as it was, and goes back to it. */
  function cancel(): void {
    if (!request.value) return
    end(request.value.form)
    project.show('project')
  }

  /** The viewer closed while drawing (another screen, another project): as cancel, staying where the user went. */
  function abandon(): void {
    if (request.value) end(request.value.form)
  }

  /** What the predict form of project `dir` takes back once (null: nothing for it). */
  function takeOutcome(dir: string | null): PredictFormState | null {
    const found = outcome.value
    if (!found || found.dir !== dir) return null
    outcome.value = null
    return found.form
  }

  return {
    request,
    box,
    active,
    onShownVolume,
    estimate,
    begin,
    setBox,
    accept,
    cancel,
    abandon,
    takeOutcome,
  }
})
