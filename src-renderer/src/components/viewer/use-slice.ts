/**
 * One plane's slice through the focus as a writable number: it reads the focus along the plane's
 * normal, and a new value moves the focus there (clamped to the volume), so every view follows.
 */
import { computed, type WritableComputedRef } from 'vue'
import { useViewerStore } from '../../stores/viewer.ts'
import { PLANES, type Plane } from '../../viewer/planes.ts'

export function useSlice(plane: () => Plane): WritableComputedRef<number> {
  const viewer = useViewerStore()
  return computed({
    get: () => viewer.focus[PLANES[plane()].n],
    set: (index) => viewer.setSlice(plane(), index),
  })
}
