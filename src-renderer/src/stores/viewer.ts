import { defineStore } from 'pinia'
import { ref } from 'vue'

/**
 * The selected ROI, shared by the viewer and the query grid. `select` (the grid, or anyone outside the
 * viewer) also asks the viewer to centre every view on the ROI; `pick` (a click in the viewer) selects
 * without moving the views. The request is a counter so the viewer can tell, even when it mounts
 * later, whether a selection it has not centred on yet is waiting.
 */
export const useViewerStore = defineStore('viewer', () => {
  const selectedRoi = ref<number | null>(null)
  const centreRequest = ref(0)
  const centredRequest = ref(0)

  function select(roi: number | null): void {
    selectedRoi.value = roi
    if (roi !== null) centreRequest.value++
  }

  function pick(roi: number | null): void {
    selectedRoi.value = roi
  }

  /** The viewer has centred on every request up to `request`. */
  function centred(request: number): void {
    centredRequest.value = request
  }

  return { selectedRoi, centreRequest, centredRequest, select, pick, centred }
})
