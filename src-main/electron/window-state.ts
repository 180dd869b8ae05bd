/**
 * The main window's bounds and maximised state, kept in a small JSON file (userData/window-state.json)
 * and restored only when valid: a corrupt file, or bounds no longer on any display (a monitor was
 * unplugged), gives the default size instead of a window the user cannot reach.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { z } from 'zod'

const coord = z.number().int().min(-100_000).max(100_000)
const size = z.number().int().min(1).max(100_000)

export const WindowState = z.object({
  x: coord,
  y: coord,
  width: size,
  height: size,
  maximized: z.boolean(),
})
export type WindowState = z.infer<typeof WindowState>

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

export const MIN_SIZE = { width: 720, height: 480 } as const

/** At least this much of the window, its top edge included, must lie on one display's work area. */
const VISIBLE = { width: 120, height: 60 } as const

function visibleOn(bounds: Rect, area: Rect): boolean {
  const overlapX = Math.min(bounds.x + bounds.width, area.x + area.width) - Math.max(bounds.x, area.x)
  const titleOnScreen = bounds.y >= area.y && bounds.y <= area.y + area.height - VISIBLE.height
  return overlapX >= Math.min(VISIBLE.width, bounds.width) && titleOnScreen
}

/**
 * The saved state if it is valid and reachable on one of `workAreas`; its size is kept between the
 * minimum and that display's work area. Null means: use the default size, centred.
 */
export function restoreWindowState(raw: unknown, workAreas: readonly Rect[]): WindowState | null {
  const parsed = WindowState.safeParse(raw)
  if (!parsed.success) return null
  const state = parsed.data
  const area = workAreas.find((a) => visibleOn(state, a))
  if (!area) return null
  return {
    ...state,
    width: Math.max(MIN_SIZE.width, Math.min(state.width, area.width)),
    height: Math.max(MIN_SIZE.height, Math.min(state.height, area.height)),
  }
}

/** Reads and validates the file; a missing, unreadable or corrupt file gives null. */
export function readWindowState(file: string, workAreas: readonly Rect[]): WindowState | null {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return null
  }
  return restoreWindowState(raw, workAreas)
}

/** Written to a temporary file and renamed, so a crash mid-write never leaves a half file. */
export function writeWindowState(file: string, state: WindowState): void {
  const checked = WindowState.parse(state)
  mkdirSync(dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(checked) + '\n')
  renameSync(tmp, file)
}

/** The part of BrowserWindow tracking needs. */
export interface TrackedWindow {
  getNormalBounds(): Rect
  isMaximized(): boolean
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown
}

/** The state to save: the normal (unmaximised) bounds, so un-maximising after a restart lands there. */
export function currentWindowState(win: TrackedWindow): WindowState {
  const b = win.getNormalBounds()
  return {
    x: Math.round(b.x),
    y: Math.round(b.y),
    width: Math.round(b.width),
    height: Math.round(b.height),
    maximized: win.isMaximized(),
  }
}

/**
 * Saves the state `delayMs` after the last move or resize (so a crash loses little) and at once when
 * the window closes or is (un)maximised. Errors while saving are reported, never thrown at the window.
 */
export function trackWindowState(
  win: TrackedWindow,
  save: (state: WindowState) => void,
  delayMs = 500,
): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null
  const saveNow = () => {
    if (timer) clearTimeout(timer)
    timer = null
    try {
      save(currentWindowState(win))
    } catch (e) {
      console.error('ActiveEM: could not save the window state:', e)
    }
  }
  const saveSoon = () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(saveNow, delayMs)
  }
  win.on('resize', saveSoon)
  win.on('move', saveSoon)
  win.on('maximize', saveNow)
  win.on('unmaximize', saveNow)
  win.on('close', saveNow)
  return () => {
    if (timer) clearTimeout(timer)
    timer = null
  }
}
