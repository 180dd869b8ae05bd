import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { loadUiState, saveUiState } from '../api/ui-state.ts'
import { useProjectStore } from './project.ts'

/** Thumbnail sizes the grid offers, in screen pixels. */
export const TILE_SIZES = [96, 128, 192] as const
export type TileSize = (typeof TILE_SIZES)[number]

export interface GridPrefs {
  /** A label moves the focus on to the next query, as webKnossos and CATMAID loops do. */
  advance: boolean
  /** The mask's outline and tint over the thumbnail; off shows the image alone. */
  outline: boolean
  tileSize: TileSize
}

const DEFAULTS: GridPrefs = { advance: true, outline: true, tileSize: 128 }

/** How the annotator likes the grid, kept per project (every round of it alike). */
export const useGridPrefsStore = defineStore('grid-prefs', () => {
  const project = useProjectStore()
  const advance = ref(DEFAULTS.advance)
  const outline = ref(DEFAULTS.outline)
  const tileSize = ref<TileSize>(DEFAULTS.tileSize)
  let loadedFor: string | null = null

  async function load(dir: string): Promise<void> {
    loadedFor = null
    const saved = (await loadUiState<Partial<GridPrefs>>(dir, 'grid-prefs')) ?? {}
    advance.value = typeof saved.advance === 'boolean' ? saved.advance : DEFAULTS.advance
    outline.value = typeof saved.outline === 'boolean' ? saved.outline : DEFAULTS.outline
    tileSize.value = TILE_SIZES.includes(saved.tileSize as TileSize)
      ? (saved.tileSize as TileSize)
      : DEFAULTS.tileSize
    loadedFor = dir
  }

  watch(
    () => project.summary?.dir,
    (dir) => void (dir ? load(dir) : null),
    { immediate: true },
  )
  watch([advance, outline, tileSize], () => {
    const dir = project.summary?.dir
    // Not before this project's own choices are in: loading must not write the defaults over them.
    if (dir && dir === loadedFor)
      saveUiState(dir, 'grid-prefs', {
        advance: advance.value,
        outline: outline.value,
        tileSize: tileSize.value,
      } satisfies GridPrefs)
  })

  return { advance, outline, tileSize }
})
