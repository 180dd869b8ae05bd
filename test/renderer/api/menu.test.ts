import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { MenuCommand } from '../../../src-shared/contract.ts'
import { subscribeMenu } from '../../../src-renderer/src/api/menu.ts'

/** The preload's onMenu: one listener list, delivered to by `emit`. */
function fakeBridge() {
  const listeners = new Set<(command: MenuCommand) => void>()
  return {
    bridge: {
      onMenu(listener: (command: MenuCommand) => void) {
        listeners.add(listener)
        return () => void listeners.delete(listener)
      },
    },
    emit: (command: unknown) => {
      for (const l of listeners) l(command as MenuCommand)
    },
    listeners,
  }
}

test('menu commands reach the handler until it unsubscribes', () => {
  const { bridge, emit, listeners } = fakeBridge()
  const got: MenuCommand[] = []
  const unsubscribe = subscribeMenu((c) => got.push(c), bridge)
  emit({ command: 'show-screen', screen: 'queries' })
  emit({ command: 'import-volume', path: '/data/em.h5' })
  unsubscribe()
  assert.equal(listeners.size, 0)
  emit({ command: 'export' })
  assert.deepEqual(got, [
    { command: 'show-screen', screen: 'queries' },
    { command: 'import-volume', path: '/data/em.h5' },
  ])
})

test('a malformed command never reaches the handler', () => {
  const { bridge, emit } = fakeBridge()
  const got: MenuCommand[] = []
  subscribeMenu((c) => got.push(c), bridge)
  const warn = console.warn
  console.warn = () => {}
  try {
    emit({ command: 'show-screen', screen: 'settings' })
    emit({ command: 'import-volume', path: 3 })
    emit(null)
  } finally {
    console.warn = warn
  }
  assert.deepEqual(got, [])
})

test('in a browser (no bridge, or one without onMenu) subscribing does nothing and unsubscribing is safe', () => {
  const calls: MenuCommand[] = []
  subscribeMenu((c) => calls.push(c))()
  subscribeMenu((c) => calls.push(c), undefined)()
  subscribeMenu((c) => calls.push(c), {})()
  assert.deepEqual(calls, [])
})

test('without a bridge argument the page bridge (window.activeem) is used', () => {
  const { bridge, emit } = fakeBridge()
  const g = globalThis as { activeem?: unknown }
  g.activeem = bridge
  const got: MenuCommand[] = []
  try {
    subscribeMenu((c) => got.push(c))
  } finally {
    delete g.activeem
  }
  emit({ command: 'show-help' })
  assert.deepEqual(got, [{ command: 'show-help' }])
})
