/**
 * What the viewer remembers per project (in localStorage, keyed by the project folder): where it
 * looked, what it showed and how. A stored value that no longer parses is dropped, never trusted.
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

export interface KeyValueStore {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

export function viewStateKey(projectDir: string): string {
  return `activeem.viewer.v1:${projectDir}`
}

export function loadViewState(store: KeyValueStore, projectDir: string): ViewState {
  let raw: string | null
  try {
    raw = store.getItem(viewStateKey(projectDir))
  } catch {
    return { ...DEFAULT_VIEW_STATE }
  }
  if (!raw) return { ...DEFAULT_VIEW_STATE }
  try {
    const parsed = ViewState.safeParse(JSON.parse(raw))
    return parsed.success ? parsed.data : { ...DEFAULT_VIEW_STATE }
  } catch {
    return { ...DEFAULT_VIEW_STATE }
  }
}

export function saveViewState(store: KeyValueStore, projectDir: string, state: ViewState): void {
  try {
    store.setItem(viewStateKey(projectDir), JSON.stringify(state))
  } catch {
    // Storage full or disabled: the viewer still works, it just forgets.
  }
}
