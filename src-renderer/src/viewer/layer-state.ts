/**
 * The viewer's layers as remembered per project (ui.state key `layers`): the image, a label volume, the
 * probability map and the ROI boxes, each with its visibility and opacity; the map's colormap and which
 * label volume is overlaid. A stored value that no longer parses is dropped, never trusted.
 */
import { z } from 'zod'
import { COLORMAP_NAMES, type Colormap } from './colours.ts'

const opacity = z.number().min(0).max(1)
const Layer = z.object({ visible: z.boolean(), opacity })

export const LayerState = z.object({
  raw: Layer,
  labels: Layer.extend({
    /** Spec of the label volume overlaid (null: none chosen yet, the project's first labels volume). */
    spec: z.string().nullable(),
  }),
  prob: Layer.extend({ colormap: z.enum(COLORMAP_NAMES as [Colormap, ...Colormap[]]) }),
  rois: Layer,
})
export type LayerState = z.infer<typeof LayerState>
export type LayerId = keyof LayerState

export const LAYER_IDS: readonly LayerId[] = ['raw', 'labels', 'prob', 'rois']

export const DEFAULT_LAYERS: LayerState = {
  raw: { visible: true, opacity: 1 },
  labels: { visible: false, opacity: 0.5, spec: null },
  prob: { visible: true, opacity: 1, colormap: 'fire' },
  rois: { visible: true, opacity: 1 },
}

/** A saved state as read back; anything that no longer parses gives the defaults. */
export function parseLayerState(raw: unknown): LayerState {
  const parsed = LayerState.safeParse(raw)
  return parsed.success ? parsed.data : structuredClone(DEFAULT_LAYERS)
}
