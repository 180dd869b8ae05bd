/**
 * What the viewer remembers per project (kept in the project through ui.state): where it looked,
 * what it showed and how. A stored value that no longer parses is dropped, never trusted.
 */
import { z } from 'zod'
import { FULL_WINDOW } from './window-level.ts'

const int = z.number().int()

export const ViewState = z.object({
  focus: z.tuple([int.nonnegative(), int.nonnegative(), int.nonnegative()]).nullable(),
  /** Spec of the image volume shown (null: the proposal set's raw, else the first raw volume). */
  volume: z.string().nullable(),
  /** Spec of the probability map shown over it (null: the set's union or mito channel). */
  overlay: z.string().nullable(),
  showProbability: z.boolean(),
  showRois: z.boolean(),
  window: z.number().min(1).max(255),
  level: z.number().min(0).max(255),
  /** Screen pixels per display unit; null: fit the crop. */
  zoom: z.number().positive().nullable(),
})
export type ViewState = z.infer<typeof ViewState>

export const DEFAULT_VIEW_STATE: ViewState = {
  focus: null,
  volume: null,
  overlay: null,
  showProbability: true,
  showRois: true,
  window: FULL_WINDOW.window,
  level: FULL_WINDOW.level,
  zoom: null,
}

/** A saved state as read back; anything that no longer parses gives the defaults. */
export function parseViewState(raw: unknown): ViewState {
  const parsed = ViewState.safeParse(raw)
  return parsed.success ? parsed.data : { ...DEFAULT_VIEW_STATE }
}
