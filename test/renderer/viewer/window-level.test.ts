import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  applyWindow,
  clampWindowLevel,
  dragWindowLevel,
  FULL_WINDOW,
  valueOf,
  windowRange,
} from '../../../src-renderer/src/viewer/window-level.ts'

test('the full window is the identity on 0..255', () => {
  assert.deepEqual(windowRange(FULL_WINDOW), [0, 255])
  for (const v of [0, 1, 100, 254, 255]) assert.ok(Math.abs(applyWindow(v, FULL_WINDOW) - v) < 1e-9)
})

test('a narrow window stretches contrast around the level and saturates outside', () => {
  const wl = { window: 50, level: 100 }
  assert.deepEqual(windowRange(wl), [75, 125])
  assert.equal(applyWindow(75, wl), 0)
  assert.equal(applyWindow(100, wl), 127.5)
  assert.equal(applyWindow(125, wl), 255)
  assert.equal(applyWindow(10, wl), 0)
  assert.equal(applyWindow(200, wl), 255)
})

test('window and level stay in range; dragging right widens, dragging up brightens the level', () => {
  assert.deepEqual(clampWindowLevel({ window: 0, level: -5 }), { window: 1, level: 0 })
  assert.deepEqual(clampWindowLevel({ window: 900, level: 300 }), { window: 255, level: 255 })
  assert.deepEqual(dragWindowLevel({ window: 100, level: 100 }, 20, -10), { window: 110, level: 105 })
})

test('display values map back to the volume units of the crop window', () => {
  assert.equal(valueOf(0, 58, 207), 58)
  assert.equal(valueOf(255, 58, 207), 207)
  assert.equal(valueOf(255 / 2, 0, 1), 0.5)
})
