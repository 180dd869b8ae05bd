/**
 * The query grid's keyboard: which key does what. The help overlay lists GRID_KEYS, so the keys the
 * grid reacts to and the keys the help shows are one table.
 */
import type { Direction } from './layout.ts'
import type { LabelChoice } from './labels.ts'

export type GridAction =
  | { kind: 'move'; direction: Direction }
  | { kind: 'label'; value: LabelChoice }
  | { kind: 'toggle' }
  | { kind: 'undo' }
  | { kind: 'accept-cluster' }
  | { kind: 'open-viewer' }
  | { kind: 'outline' }
  /** Z: the focused ROI's slices z-1, z, z+1 enlarged, or hidden again; Esc hides them. */
  | { kind: 'slices' }
  | { kind: 'hide-slices' }

/** The parts of a KeyboardEvent the mapping reads (tests pass plain objects). */
export interface KeyPress {
  key: string
  shiftKey?: boolean
  ctrlKey?: boolean
  metaKey?: boolean
  altKey?: boolean
}

const MOVES: Record<string, Direction> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
  Home: 'home',
  End: 'end',
  PageDown: 'next-cluster',
  PageUp: 'previous-cluster',
}

/** The action of a key press, or null when the grid leaves the key alone (F-keys, ?, typing with Ctrl). */
export function actionOf(press: KeyPress): GridAction | null {
  // Ctrl/Cmd/Alt chords belong to the browser and the menus (Ctrl-Z is not our undo: U is).
  if (press.ctrlKey || press.metaKey || press.altKey) return null
  const direction = MOVES[press.key]
  if (direction) return { kind: 'move', direction }
  const key = press.key.length === 1 ? press.key.toLowerCase() : press.key
  if (press.shiftKey && key === 'a') return { kind: 'accept-cluster' }
  switch (key) {
    case 'y':
    case '1':
      return { kind: 'label', value: 'correct' }
    case 'n':
    case '2':
      return { kind: 'label', value: 'incorrect' }
    case '3':
      return { kind: 'label', value: 'unsure' }
    case ' ':
      return { kind: 'toggle' }
    case 'u':
      return { kind: 'undo' }
    case 'Enter':
      return { kind: 'open-viewer' }
    case 'o':
      return { kind: 'outline' }
    case 'z':
      return { kind: 'slices' }
    case 'Escape':
      return { kind: 'hide-slices' }
    default:
      return null
  }
}

/** What the help overlay shows for the grid, in the order a new user needs it. */
export const GRID_KEYS: ReadonlyArray<{ keys: string[]; does: string }> = [
  { keys: ['←', '→', '↑', '↓'], does: 'Move the focus between thumbnails' },
  { keys: ['Home', 'End'], does: 'First / last thumbnail' },
  { keys: ['PgDn', 'PgUp'], does: "Next cluster / this cluster's first thumbnail, then the cluster before" },
  {
    keys: ['Y', '1'],
    does: 'Label the focused ROI correct (then the focus moves on, unless "Advance" is off)',
  },
  { keys: ['N', '2'], does: 'Label the focused ROI incorrect' },
  { keys: ['3'], does: 'Label the focused ROI unsure' },
  { keys: ['Space'], does: 'Toggle correct ↔ incorrect (unlabelled becomes correct)' },
  { keys: ['U'], does: 'Undo your last label (restores the value before it)' },
  { keys: ['Shift+A'], does: 'Label every unlabelled ROI of the focused cluster correct' },
  { keys: ['Enter'], does: 'Show the focused ROI in the viewer' },
  { keys: ['O'], does: "Show or hide the masks' outlines on the thumbnails" },
  {
    keys: ['Z'],
    does: "Show or hide the focused ROI's slices z-1, z, z+1 enlarged (hovering a thumbnail shows them too)",
  },
  { keys: ['Esc'], does: 'Hide the enlarged slices' },
]
