import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { loadUiState, saveUiState } from '../api/ui-state.ts'
import type { Colormap } from '../viewer/colours.ts'
import { DEFAULT_LAYERS, parseLayerState, type LayerId, type LayerState } from '../viewer/layer-state.ts'

/**
 * The viewer's layers (image, label overlay, probability map, ROI boxes): visibility, opacity, the map's
 * colormap and the label volume overlaid, remembered per project in its ui-state (key `layers`).
 */
export const useLayersStore = defineStore('layers', () => {
  const state = ref<LayerState>(structuredClone(DEFAULT_LAYERS))
  /** The project remembered into; null until its saved layers are back (the defaults would overwrite them). */
  const dir = ref<string | null>(null)
  let loading = 0

  watch(
    state,
    (value) => {
      if (dir.value) saveUiState(dir.value, 'layers', value)
    },
    { deep: true },
  )

  /**
   * The layers remembered for `projectDir`; where none are, the defaults with the map's and the boxes'
   * visibility as the viewer remembered them before it had layers (`earlier`).
   */
  async function load(projectDir: string, earlier?: { prob: boolean; rois: boolean }): Promise<void> {
    const ticket = ++loading
    dir.value = null
    const stored = await loadUiState<unknown>(projectDir, 'layers')
    if (ticket !== loading) return
    const saved = parseLayerState(stored)
    if (stored === null && earlier) {
      saved.prob.visible = earlier.prob
      saved.rois.visible = earlier.rois
    }
    state.value = saved
    dir.value = projectDir
  }

  function setVisible(layer: LayerId, visible: boolean): void {
    state.value[layer].visible = visible
  }

  function setOpacity(layer: LayerId, opacity: number): void {
    state.value[layer].opacity = Math.max(0, Math.min(1, opacity))
  }

  function setColormap(colormap: Colormap): void {
    state.value.prob.colormap = colormap
  }

  function setLabelVolume(spec: string | null): void {
    state.value.labels.spec = spec
  }

  return { state, dir, load, setVisible, setOpacity, setColormap, setLabelVolume }
})
