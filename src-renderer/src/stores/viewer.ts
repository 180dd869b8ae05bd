import { defineStore } from 'pinia'
import { ref } from 'vue'

/**
 * What the viewer shows and where: the focus point and the selected ROI. The query grid selects ROIs
 * through `select`; the viewer centres every view on the selection.
 */
export const useViewerStore = defineStore('viewer', () => {
  const selectedRoi = ref<number | null>(null)

  function select(roi: number | null): void {
    selectedRoi.value = roi
  }

  return { selectedRoi, select }
})
