import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  DEFAULT_VIEW_STATE,
  loadViewState,
  saveViewState,
  viewStateKey,
  type KeyValueStore,
} from '../../../src-renderer/src/viewer/view-state.ts'

function memory(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) }
}

test('view state round-trips per project folder', () => {
  const store = memory()
  const state = {
    ...DEFAULT_VIEW_STATE,
    focus: [3, 40, 50] as [number, number, number],
    window: 80,
    level: 90,
  }
  saveViewState(store, '/p/one', state)
  assert.deepEqual(loadViewState(store, '/p/one'), state)
  assert.deepEqual(loadViewState(store, '/p/two'), DEFAULT_VIEW_STATE, 'another project starts fresh')
})

test('a stored value that does not parse falls back to the defaults', () => {
  const store = memory()
  store.setItem(viewStateKey('/p'), '{not json')
  assert.deepEqual(loadViewState(store, '/p'), DEFAULT_VIEW_STATE)
  store.setItem(viewStateKey('/p'), JSON.stringify({ ...DEFAULT_VIEW_STATE, window: 0 }))
  assert.deepEqual(loadViewState(store, '/p'), DEFAULT_VIEW_STATE, 'a window of 0 is refused')
})
