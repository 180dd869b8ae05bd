import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import {
  readWindowState,
  restoreWindowState,
  trackWindowState,
  writeWindowState,
  type Rect,
  type WindowState,
} from '../../src-main/electron/window-state.ts'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-window-state-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

const laptop: Rect = { x: 0, y: 0, width: 1920, height: 1050 }
const rightMonitor: Rect = { x: 1920, y: 0, width: 2560, height: 1400 }
const saved: WindowState = { x: 100, y: 80, width: 1400, height: 900, maximized: false }

test('saved bounds on a display are restored as they were', () => {
  assert.deepEqual(restoreWindowState(saved, [laptop]), saved)
  const onSecond = { ...saved, x: 2400, y: 100, maximized: true }
  assert.deepEqual(restoreWindowState(onSecond, [laptop, rightMonitor]), onSecond)
})

test('bounds no display shows fall back to the default (null)', () => {
  const onSecond = { ...saved, x: 2400, y: 100 }
  assert.equal(restoreWindowState(onSecond, [laptop]), null, 'the second monitor was unplugged')
  assert.equal(restoreWindowState({ ...saved, x: -5000 }, [laptop]), null)
  assert.equal(restoreWindowState({ ...saved, y: -200 }, [laptop]), null, 'title bar above the screen')
  assert.equal(restoreWindowState({ ...saved, y: 1040 }, [laptop]), null, 'only a sliver at the bottom')
  assert.equal(restoreWindowState({ ...saved, x: 1900 }, [laptop]), null, 'only a sliver at the right')
  assert.equal(restoreWindowState(saved, []), null)
})

test('a window partly off screen but reachable is kept; its size fits the display', () => {
  const partly = { ...saved, x: -600, y: 10 }
  assert.deepEqual(restoreWindowState(partly, [laptop]), partly)
  const huge = { ...saved, x: 0, y: 0, width: 5000, height: 3000 }
  assert.deepEqual(restoreWindowState(huge, [laptop]), { ...huge, width: 1920, height: 1050 })
  const tiny = { ...saved, width: 10, height: 10 }
  assert.deepEqual(restoreWindowState(tiny, [laptop]), { ...tiny, width: 720, height: 480 })
})

test('malformed state is ignored', () => {
  for (const bad of [
    null,
    'x',
    [],
    {},
    { ...saved, width: 'wide' },
    { ...saved, x: Number.NaN },
    { ...saved, width: 0 },
    { ...saved, height: -3 },
    { ...saved, x: 1.5 },
    { ...saved, maximized: 'yes' },
    { x: 1, y: 2 },
  ]) {
    assert.equal(restoreWindowState(bad, [laptop]), null, JSON.stringify(bad))
  }
})

test('the state file round-trips; a missing or corrupt file gives the default', () => {
  const file = join(tmp, 'sub', 'window-state.json')
  assert.equal(readWindowState(file, [laptop]), null, 'no file yet')
  writeWindowState(file, saved)
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), saved)
  assert.deepEqual(readWindowState(file, [laptop]), saved)

  writeFileSync(file, '{"x": 100, "y": 80, "wid')
  assert.equal(readWindowState(file, [laptop]), null, 'truncated JSON')
  writeFileSync(file, '{"x": 1, "y": 1, "width": 800, "height": 600, "maximized": false, "__proto__": 1}')
  assert.deepEqual(readWindowState(file, [laptop]), { x: 1, y: 1, width: 800, height: 600, maximized: false })
  assert.equal(readWindowState(tmp, [laptop]), null, 'a folder, not a file')
  assert.throws(() => writeWindowState(file, { ...saved, width: Number.NaN }), 'only valid state is written')
})

function fakeWindow() {
  const listeners = new Map<string, () => void>()
  const win = {
    bounds: { x: 10, y: 20, width: 1000, height: 700 },
    maximized: false,
    getNormalBounds: () => ({ ...win.bounds }),
    isMaximized: () => win.maximized,
    on(event: string, listener: () => void) {
      listeners.set(event, listener)
      return win
    },
    emit: (event: string) => listeners.get(event)?.(),
  }
  return win
}

test('tracking saves after moves settle, and at once on close and (un)maximise', async () => {
  const win = fakeWindow()
  const saves: WindowState[] = []
  const stop = trackWindowState(win, (s) => saves.push(s), 20)

  win.bounds = { x: 30.4, y: 40, width: 1100, height: 720 }
  win.emit('move')
  win.emit('resize')
  win.emit('resize')
  assert.equal(saves.length, 0, 'not on every event')
  await new Promise((resolve) => setTimeout(resolve, 60))
  assert.deepEqual(saves, [{ x: 30, y: 40, width: 1100, height: 720, maximized: false }])

  win.maximized = true
  win.emit('maximize')
  assert.deepEqual(saves.at(-1), { x: 30, y: 40, width: 1100, height: 720, maximized: true })

  win.emit('resize')
  win.emit('close')
  assert.equal(saves.length, 3)
  await new Promise((resolve) => setTimeout(resolve, 60))
  assert.equal(saves.length, 3, 'closing saved the pending change; nothing more afterwards')
  stop()
})

test('a failing save is reported, not thrown at the window', () => {
  const win = fakeWindow()
  const error = console.error
  let reported = 0
  console.error = () => reported++
  try {
    trackWindowState(win, () => {
      throw new Error('disk full')
    })
    win.emit('close')
  } finally {
    console.error = error
  }
  assert.equal(reported, 1)
})
