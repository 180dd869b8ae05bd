import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { BrowserWindowConstructorOptions } from 'electron'
import {
  contentSecurityPolicy,
  createMainWindow,
  isAllowedUrl,
  lockDownContents,
  windowOptions,
  type WindowElectron,
} from '../../src-main/electron/window.ts'

type Listener = (...args: unknown[]) => unknown

/** Just enough of BrowserWindow, webContents and session to record what the window code does. */
function fakeElectron() {
  const record = {
    options: null as BrowserWindowConstructorOptions | null,
    contentsListeners: new Map<string, Listener[]>(),
    windowOnce: new Map<string, Listener>(),
    windowOpenHandler: null as Listener | null,
    headersListener: null as Listener | null,
    beforeRequestListener: null as Listener | null,
    permissionRequest: null as Listener | null,
    permissionCheck: null as Listener | null,
    loaded: [] as string[],
    shown: 0,
    maximized: 0,
  }
  const webContents = {
    on(event: string, listener: Listener) {
      record.contentsListeners.set(event, [...(record.contentsListeners.get(event) ?? []), listener])
      return webContents
    },
    setWindowOpenHandler(handler: Listener) {
      record.windowOpenHandler = handler
    },
  }
  class FakeBrowserWindow {
    webContents = webContents
    constructor(options: BrowserWindowConstructorOptions) {
      record.options = options
    }
    once(event: string, listener: Listener) {
      record.windowOnce.set(event, listener)
      return this
    }
    show() {
      record.shown++
    }
    maximize() {
      record.maximized++
    }
    async loadFile(file: string) {
      record.loaded.push(`file:${file}`)
    }
    async loadURL(url: string) {
      record.loaded.push(`url:${url}`)
    }
  }
  const session = {
    webRequest: {
      onHeadersReceived(listener: Listener) {
        record.headersListener = listener
      },
      onBeforeRequest(listener: Listener) {
        record.beforeRequestListener = listener
      },
    },
    setPermissionRequestHandler(handler: Listener) {
      record.permissionRequest = handler
    },
    setPermissionCheckHandler(handler: Listener) {
      record.permissionCheck = handler
    },
  }
  const electron = { BrowserWindow: FakeBrowserWindow, session: { defaultSession: session } }
  return { electron: electron as unknown as WindowElectron, record }
}

function directives(csp: string): Map<string, string> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => [d.split(/\s+/)[0]!, d.slice(d.indexOf(' ') + 1)]),
  )
}

test('window options isolate the page: context isolation, sandbox, no node, web security', () => {
  const prefs = windowOptions('/app/out/preload/index.cjs').webPreferences!
  assert.equal(prefs.contextIsolation, true)
  assert.equal(prefs.sandbox, true)
  assert.equal(prefs.nodeIntegration, false)
  assert.equal(prefs.nodeIntegrationInWorker, false)
  assert.equal(prefs.nodeIntegrationInSubFrames, false)
  assert.equal(prefs.webSecurity, true)
  assert.equal(prefs.allowRunningInsecureContent, false)
  assert.equal(prefs.webviewTag, false)
  assert.equal(prefs.preload, '/app/out/preload/index.cjs')
})

test('the CSP allows only the app itself: no remote scripts, no eval, no plugins, no framing', () => {
  const d = directives(contentSecurityPolicy())
  assert.equal(d.get('default-src'), "'none'")
  assert.equal(d.get('script-src'), "'self'")
  assert.equal(d.get('connect-src'), "'self'")
  assert.equal(d.get('object-src'), "'none'")
  assert.equal(d.get('base-uri'), "'none'")
  assert.equal(d.get('frame-ancestors'), "'none'")
  const all = contentSecurityPolicy()
  assert.doesNotMatch(all, /unsafe-eval/)
  assert.doesNotMatch(all, /https?:|\*/, 'no remote source anywhere')
  assert.doesNotMatch(d.get('script-src')!, /unsafe-inline/)

  const dev = directives(contentSecurityPolicy('http://localhost:5173'))
  assert.equal(dev.get('connect-src'), "'self' ws://localhost:5173", 'dev server: hot reload socket only')
  assert.equal(dev.get('script-src'), "'self'")
})

test('createMainWindow: secure options, CSP header on every response, remote requests cancelled', async () => {
  const { electron, record } = fakeElectron()
  createMainWindow(electron, {
    preload: '/app/out/preload/index.cjs',
    renderer: { file: '/app/out/renderer/index.html' },
  })

  const prefs = record.options?.webPreferences
  assert.ok(prefs, 'a BrowserWindow was made')
  assert.equal(prefs.contextIsolation, true)
  assert.equal(prefs.sandbox, true)
  assert.equal(prefs.nodeIntegration, false)
  assert.equal(prefs.webSecurity, true)
  assert.equal(record.options?.show, false, 'shown on ready-to-show, never blank')
  assert.deepEqual(record.loaded, ['file:/app/out/renderer/index.html'])
  record.windowOnce.get('ready-to-show')?.()
  assert.equal(record.shown, 1)

  // CSP header: added, and any CSP the response brought is replaced, not merged.
  assert.ok(record.headersListener, 'onHeadersReceived installed')
  const replies: unknown[] = []
  record.headersListener(
    {
      url: 'file:///app/out/renderer/index.html',
      responseHeaders: { 'content-security-policy': ['default-src *'], 'X-A': ['1'] },
    },
    (r: unknown) => replies.push(r),
  )
  const headers = (replies[0] as { responseHeaders: Record<string, string[]> }).responseHeaders
  assert.deepEqual(headers['Content-Security-Policy'], [contentSecurityPolicy()])
  assert.equal(headers['content-security-policy'], undefined)
  assert.deepEqual(headers['X-A'], ['1'])

  // No remote content.
  assert.ok(record.beforeRequestListener, 'onBeforeRequest installed')
  const decide = (url: string): boolean => {
    let cancel: boolean | undefined
    record.beforeRequestListener!({ url }, (r: { cancel?: boolean }) => (cancel = r.cancel))
    return cancel === true
  }
  assert.equal(decide('file:///app/out/renderer/assets/index.js'), false)
  assert.equal(decide('data:image/png;base64,AAAA'), false)
  assert.equal(decide('https://example.com/x.js'), true)
  assert.equal(decide('http://127.0.0.1:8080/'), true)
  assert.equal(decide('ws://localhost:5173/'), true)

  // No permissions.
  let granted: boolean | undefined
  record.permissionRequest?.(null, 'media', (ok: boolean) => (granted = ok), {})
  assert.equal(granted, false)
  assert.equal(record.permissionCheck?.(null, 'geolocation', 'file://', {}), false)
})

test('createMainWindow: navigation, redirects, webviews and new windows are all denied', () => {
  const { electron, record } = fakeElectron()
  createMainWindow(electron, { preload: '/p.cjs', renderer: { file: '/r/index.html' } })

  for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
    const listeners = record.contentsListeners.get(event) ?? []
    assert.ok(listeners.length > 0, `${event} is handled`)
    let prevented = 0
    for (const l of listeners) l({ preventDefault: () => prevented++ }, 'https://evil.example/')
    assert.ok(prevented > 0, `${event} is prevented`)
  }
  assert.ok(record.windowOpenHandler, 'setWindowOpenHandler installed')
  assert.deepEqual(record.windowOpenHandler({ url: 'https://evil.example/' }), { action: 'deny' })
  assert.deepEqual(record.windowOpenHandler({ url: 'file:///r/index.html' }), { action: 'deny' })
})

test('createMainWindow with a dev server: loads the URL, allows only that origin', () => {
  const { electron, record } = fakeElectron()
  createMainWindow(electron, { preload: '/p.cjs', renderer: { url: 'http://localhost:5173/' } })
  assert.deepEqual(record.loaded, ['url:http://localhost:5173/'])
  assert.equal(isAllowedUrl('http://localhost:5173/src/main.ts', 'http://localhost:5173'), true)
  assert.equal(isAllowedUrl('ws://localhost:5173/', 'http://localhost:5173'), true)
  assert.equal(isAllowedUrl('http://localhost:5174/', 'http://localhost:5173'), false)
  assert.equal(isAllowedUrl('https://cdn.example/vue.js', 'http://localhost:5173'), false)
})

test('a dropped file never navigates the window', () => {
  assert.equal(windowOptions('/p.cjs').webPreferences?.navigateOnDragDrop, false)
  const { electron, record } = fakeElectron()
  createMainWindow(electron, { preload: '/p.cjs', renderer: { file: '/r/index.html' } })
  // Were a drop to start a navigation anyway, it would be to the file's URL: prevented like any other.
  for (const event of ['will-navigate', 'will-frame-navigate']) {
    let prevented = 0
    for (const l of record.contentsListeners.get(event) ?? []) {
      l({ preventDefault: () => prevented++, url: 'file:///data/em.h5' }, 'file:///data/em.h5')
    }
    assert.ok(prevented > 0, `${event} to a dropped file is prevented`)
  }
})

test('lockDownContents: any web contents (not only the main window) stays put and opens nothing', () => {
  const listeners = new Map<string, Listener[]>()
  let openHandler: Listener | null = null
  const contents = {
    on(event: string, listener: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener])
      return contents
    },
    setWindowOpenHandler(handler: Listener) {
      openHandler = handler
    },
  }
  lockDownContents(contents as unknown as Parameters<typeof lockDownContents>[0])
  assert.deepEqual([...listeners.keys()].sort(), [
    'will-attach-webview',
    'will-frame-navigate',
    'will-navigate',
    'will-redirect',
  ])
  assert.deepEqual(openHandler!({ url: 'https://evil.example/' }), { action: 'deny' })
})

test('saved window state: bounds restored, maximised again; none: the default size', () => {
  const saved = { x: 40, y: 30, width: 1500, height: 950, maximized: true }
  const { electron, record } = fakeElectron()
  createMainWindow(electron, { preload: '/p.cjs', renderer: { file: '/r/index.html' }, state: saved })
  const o = record.options!
  assert.deepEqual([o.x, o.y, o.width, o.height], [40, 30, 1500, 950])
  assert.equal(record.maximized, 1)
  assert.equal(o.webPreferences?.sandbox, true, 'restoring state changes no security setting')
  assert.equal(o.webPreferences?.contextIsolation, true)

  const fresh = fakeElectron()
  createMainWindow(fresh.electron, { preload: '/p.cjs', renderer: { file: '/r/index.html' }, state: null })
  const d = fresh.record.options!
  assert.deepEqual([d.x, d.y, d.width, d.height], [undefined, undefined, 1280, 860], 'centred default')
  assert.equal(fresh.record.maximized, 0)
})
