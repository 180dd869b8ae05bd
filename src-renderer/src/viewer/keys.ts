/** The viewer's keyboard, as the help overlay lists it (ViewerPanel handles them). */
export const VIEWER_KEYS: ReadonlyArray<{ keys: string[]; does: string }> = [
  { keys: ['PgUp', 'PgDn'], does: 'Previous / next xy slice (Shift: 5)' },
  { keys: ['B'], does: 'Brush: paint the selected ROI’s mask on the xy view (again: stop)' },
  { keys: ['E'], does: 'Eraser: clear the selected ROI’s mask on the xy view (again: stop)' },
  { keys: ['[', ']'], does: 'Smaller / larger brush' },
  { keys: ['Ctrl+Z'], does: 'Undo the last mask edit' },
  { keys: ['Ctrl+Shift+Z', 'Ctrl+Y'], does: 'Redo a mask edit' },
  { keys: ['Enter'], does: 'Use the predict box drawn (back to its card)' },
  { keys: ['Esc'], does: 'Stop editing the mask; cancel drawing the predict box' },
]
