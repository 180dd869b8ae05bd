/**
 * Window/level on the viewer's display values. Crops arrive mapped to 0..255 through the host's
 * percentile window; the user's window (width) and level (centre) re-map that range for contrast.
 */

export interface WindowLevel {
  window: number
  level: number
}

export const FULL_WINDOW: WindowLevel = { window: 255, level: 127.5 }
export const MIN_WINDOW = 1

export function clampWindowLevel({ window, level }: WindowLevel): WindowLevel {
  return {
    window: Math.max(MIN_WINDOW, Math.min(255, window)),
    level: Math.max(0, Math.min(255, level)),
  }
}

/** The display values that map to black and to white. */
export function windowRange({ window, level }: WindowLevel): [number, number] {
  return [level - window / 2, level + window / 2]
}

/** A display value (0..255) as the grey level the screen shows under the window. */
export function applyWindow(value: number, wl: WindowLevel): number {
  const [low] = windowRange(wl)
  const g = ((value - low) / wl.window) * 255
  return g < 0 ? 0 : g > 255 ? 255 : g
}

/** Right-drag: right widens the window, up raises the level (as most medical viewers do). */
export function dragWindowLevel(start: WindowLevel, dx: number, dy: number, perPixel = 0.5): WindowLevel {
  return clampWindowLevel({ window: start.window + dx * perPixel, level: start.level - dy * perPixel })
}

/** A display value back in the volume's own units, given the crop's low/high window. */
export function valueOf(display: number, low: number, high: number): number {
  return low + (display / 255) * (high - low)
}
