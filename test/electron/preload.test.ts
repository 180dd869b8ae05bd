import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { runInNewContext } from 'node:vm'
import { build } from 'esbuild'
import type { IpcRendererEvent } from 'electron'
import {
  EVENT_CHANNEL,
  IPC_CHANNEL,
  MENU_CHANNEL,
  type MenuCommand,
  type ProjectEvent,
} from '../../src-shared/contract.ts'
import { createBridge, exposeBridge, type ExposingElectron } from '../../src-preload/bridge.ts'

type Listener = (event: IpcRendererEvent, ...args: unknown[]) => void

/** Just enough of the sandboxed preload's electron module to record what the bridge does. */
function fakeElectron(reply: (request: unknown) => unknown = () => ({ id: 1, ok: true, result: {} })) {
  const listeners = new Map<string, Listener[]>()
  const invoked: unknown[][] = []
  const exposed = new Map<string, unknown>()
  const electron = {
    ipcRenderer: {
      async invoke(channel: string, ...args: unknown[]) {
        invoked.push([channel, ...args])
        return reply(args[0])
      },
      on(channel: string, listener: Listener) {
        listeners.set(channel, [...(listeners.get(channel) ?? []), listener])
      },
      removeListener(channel: string, listener: Listener) {
        listeners.set(
          channel,
          (listeners.get(channel) ?? []).filter((l) => l !== listener),
        )
      },
    },
    webUtils: {
      getPathForFile(file: Blob & { readonly name: string }) {
        if (!(file instanceof Blob)) throw new TypeError('not a File')
        return `/data/${file.name}`
      },
    },
    contextBridge: {
      exposeInMainWorld(key: string, api: unknown) {
        exposed.set(key, api)
      },
    },
  } satisfies ExposingElectron
  /** Delivers a message on a channel as main's webContents.send would. */
  const emit = (channel: string, ...args: unknown[]) => {
    for (const l of listeners.get(channel) ?? []) l({} as IpcRendererEvent, ...args)
  }
  return { electron, listeners, invoked, exposed, emit }
}

test('the preload exposes exactly call, pathForFile, onMenu and onEvent on window.activeem', () => {
  const { electron, exposed } = fakeElectron()
  exposeBridge(electron)
  assert.deepEqual([...exposed.keys()], ['activeem'])
  const api = exposed.get('activeem') as Record<string, unknown>
  assert.deepEqual(Object.keys(api).sort(), ['call', 'onEvent', 'onMenu', 'pathForFile'])
  for (const key of Object.keys(api)) assert.equal(typeof api[key], 'function', key)
  assert.ok(!Object.values(api).includes(electron.ipcRenderer), 'ipcRenderer itself is never exposed')
})

test('call sends one request on the API channel and checks the reply against the contract', async () => {
  const { electron, invoked } = fakeElectron((req) => ({
    id: (req as { id: number }).id,
    ok: true,
    result: { version: '0.1.0', transport: 'ipc', project: null, annotator: 'ana' },
  }))
  const bridge = createBridge(electron)
  const info = await bridge.call('app.info', {})
  assert.equal(info.annotator, 'ana')
  assert.deepEqual(invoked, [[IPC_CHANNEL, { id: 1, method: 'app.info', params: {} }]])

  const bad = createBridge(fakeElectron(() => ({ id: 1, ok: true, result: { version: 3 } })).electron)
  await assert.rejects(bad.call('app.info', {}), /version/, 'a reply that breaks the contract is an error')
})

test('pathForFile gives the dropped file path; something not a file gives no path', () => {
  const bridge = createBridge(fakeElectron().electron)
  assert.equal(bridge.pathForFile(new File([], 'cell.zarr')), '/data/cell.zarr')
  assert.equal(bridge.pathForFile({ name: 'x' } as unknown as File), '')
})

test('onMenu passes valid menu commands and drops malformed ones', () => {
  const { electron, emit, listeners } = fakeElectron()
  const bridge = createBridge(electron)
  const got: MenuCommand[] = []
  const warn = console.warn
  let warned = 0
  console.warn = () => warned++
  try {
    const unsubscribe = bridge.onMenu((c) => got.push(c))
    assert.equal(listeners.get(MENU_CHANNEL)?.length, 1)

    emit(MENU_CHANNEL, { command: 'show-screen', screen: 'viewer' })
    emit(MENU_CHANNEL, { command: 'import-volume', path: '/data/em.h5' })
    emit(MENU_CHANNEL, { command: 'export' })
    const malformed: unknown[][] = [
      [undefined],
      ['export'],
      [{ command: 'rm-rf', path: '/' }],
      [{ command: 'import-volume' }],
      [{ command: 'import-volume', path: '' }],
      [{ command: 'show-screen', screen: 'settings' }],
      [{ command: 'export' }, 'extra argument'],
      [{ command: '__proto__' }],
    ]
    for (const args of malformed) emit(MENU_CHANNEL, ...args)
    assert.deepEqual(got, [
      { command: 'show-screen', screen: 'viewer' },
      { command: 'import-volume', path: '/data/em.h5' },
      { command: 'export' },
    ])
    assert.equal(warned, malformed.length, 'each dropped message is reported once')

    unsubscribe()
    unsubscribe()
    assert.equal(listeners.get(MENU_CHANNEL)?.length, 0)
    emit(MENU_CHANNEL, { command: 'export' })
    assert.equal(got.length, 3, 'no commands after unsubscribing')
  } finally {
    console.warn = warn
  }
})

test('onMenu strips fields the contract does not know', () => {
  const { electron, emit } = fakeElectron()
  const got: unknown[] = []
  createBridge(electron).onMenu((c) => got.push(c))
  emit(MENU_CHANNEL, { command: 'show-help', extra: 'x' })
  assert.deepEqual(got, [{ command: 'show-help' }])
})

test('onEvent passes the project events of the contract and drops anything else', () => {
  const { electron, emit, listeners } = fakeElectron()
  const got: ProjectEvent[] = []
  const warn = console.warn
  let warned = 0
  console.warn = () => warned++
  try {
    const unsubscribe = createBridge(electron).onEvent((e) => got.push(e))
    const event: ProjectEvent = { event: 'project.changed', dir: '/p', topics: ['jobs', 'volumes'] }
    emit(EVENT_CHANNEL, event)
    const malformed: unknown[][] = [
      [undefined],
      [{ event: 'project.changed', dir: '/p', topics: [] }],
      [{ event: 'project.changed', dir: '/p', topics: ['secrets'] }],
      [{ event: 'project.deleted', dir: '/p', topics: ['jobs'] }],
      [{ event: 'project.changed', dir: '/p', topics: ['jobs'], id: 3 }],
      [event, 'extra argument'],
    ]
    for (const args of malformed) emit(EVENT_CHANNEL, ...args)
    assert.deepEqual(got, [event])
    assert.equal(warned, malformed.length, 'each dropped message is reported once')
    unsubscribe()
    assert.equal(listeners.get(EVENT_CHANNEL)?.length, 0)
    emit(EVENT_CHANNEL, event)
    assert.equal(got.length, 1, 'nothing after unsubscribing')
  } finally {
    console.warn = warn
  }
})

test('the bundled preload requires only electron and exposes only window.activeem (sandbox)', async () => {
  // The same bundling as electron.vite.config.ts's preload: one CommonJS file, 'electron' external.
  const out = await build({
    entryPoints: [join(import.meta.dirname, '../../src-preload/index.ts')],
    bundle: true,
    format: 'cjs',
    platform: 'browser',
    external: ['electron'],
    write: false,
    logLevel: 'silent',
  })
  const code = out.outputFiles[0]!.text
  const { electron, exposed } = fakeElectron()
  const required: string[] = []
  const sandboxRequire = (name: string) => {
    required.push(name)
    if (name !== 'electron') throw new Error(`module not found: ${name}`)
    return electron
  }
  const module = { exports: {} }
  runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, console })
  assert.deepEqual([...new Set(required)], ['electron'])
  assert.deepEqual([...exposed.keys()], ['activeem'])
  assert.deepEqual(Object.keys(exposed.get('activeem') as object).sort(), [
    'call',
    'onEvent',
    'onMenu',
    'pathForFile',
  ])
})
