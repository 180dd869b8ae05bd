import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_VIEW_STATE, parseViewState } from '../../../src-renderer/src/viewer/view-state.ts'

test('a saved view state reads back as saved', () => {
  const state = {
    ...DEFAULT_VIEW_STATE,
    focus: [3, 40, 50] as [number, number, number],
    window: 80,
    level: 90,
  }
  assert.deepEqual(parseViewState(JSON.parse(JSON.stringify(state))), state)
})

test('a stored value that does not parse falls back to the defaults', () => {
  assert.deepEqual(parseViewState(null), DEFAULT_VIEW_STATE, 'nothing saved yet')
  assert.deepEqual(parseViewState('{not json'), DEFAULT_VIEW_STATE)
  assert.deepEqual(
    parseViewState({ ...DEFAULT_VIEW_STATE, window: 0 }),
    DEFAULT_VIEW_STATE,
    'a window of 0 is refused',
  )
  assert.deepEqual(parseViewState({ ...DEFAULT_VIEW_STATE, focus: [1, 2] }), DEFAULT_VIEW_STATE)
})
