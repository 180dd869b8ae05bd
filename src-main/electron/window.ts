/**
 * The main window and its security settings. Electron is passed in (`createMainWindow(electron, ...)`)
 * so tests can check every setting with fake objects; nothing here imports electron at run time.
 */
import type { BrowserWindow, BrowserWindowConstructorOptions, Session, WebContents } from 'electron'
import { MIN_SIZE, type WindowState } from './window-state.ts'

/** The part of the electron module the window needs. */
export interface WindowElectron {
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow
  session: { defaultSession: Session }
}

export interface MainWindowOptions {
  /** Absolute path of the built preload script (out/preload/index.cjs). */
  preload: string
  /** The built renderer (out/renderer/index.html), or the electron-vite dev server URL. */
  renderer: { file: string } | { url: string }
  title?: string
  /** Saved bounds (`readWindowState`, already checked to be on screen); none: the default size, centred. */
  state?: WindowState | null
}

/**
 * The page may load only its own scripts and styles; the API goes over IPC, so it needs no network.
 * A dev server origin (electron-vite dev) is allowed for hot reload only.
 */
export function contentSecurityPolicy(devOrigin: string | null = null): string {
  const hmr = devOrigin ? ` ${devOrigin.replace(/^http/, 'ws')}` : ''
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${hmr}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

export function windowOptions(
  preload: string,
  title = 'ActiveEM',
  state: WindowState | null = null,
): BrowserWindowConstructorOptions {
  const bounds = state
    ? { x: state.x, y: state.y, width: state.width, height: state.height }
    : { width: 1280, height: 860 }
  return {
    title,
    ...bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    backgroundColor: '#f4f5f7',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  }
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin
  } catch {
    return null
  }
}

/** Local content only: the app's own files, in-page data, devtools, and the dev server when there is one. */
export function isAllowedUrl(url: string, devOrigin: string | null = null): boolean {
  const scheme = url.slice(0, url.indexOf(':') + 1).toLowerCase()
  if (['file:', 'data:', 'blob:', 'devtools:'].includes(scheme)) return true
  if (devOrigin === null) return false
  const origin = originOf(url)
  return origin === devOrigin || origin === devOrigin.replace(/^http/, 'ws')
}

/** CSP header on every response, no requests to remote hosts, no permissions (camera, geolocation, ...). */
export function installSessionSecurity(session: Session, devOrigin: string | null = null): void {
  const csp = contentSecurityPolicy(devOrigin)
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders }
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === 'content-security-policy') delete headers[key]
    }
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp] } })
  })
  session.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedUrl(details.url, devOrigin) })
  })
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
}

/** The part of WebContents `lockDownContents` uses. */
export type LockableContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>

/**
 * The page never leaves the app: no link, form, script or dropped file may navigate it, redirect it,
 * attach a webview or open another window. Applied to the main window and to every other web contents.
 */
export function lockDownContents(contents: LockableContents): void {
  contents.on('will-navigate', (event) => event.preventDefault())
  contents.on('will-frame-navigate', (event) => event.preventDefault())
  contents.on('will-redirect', (event) => event.preventDefault())
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
}

export function createMainWindow(electron: WindowElectron, opts: MainWindowOptions): BrowserWindow {
  const devOrigin = 'url' in opts.renderer ? originOf(opts.renderer.url) : null
  installSessionSecurity(electron.session.defaultSession, devOrigin)

  const win = new electron.BrowserWindow(windowOptions(opts.preload, opts.title, opts.state ?? null))
  lockDownContents(win.webContents)
  if (opts.state?.maximized) win.maximize()
  win.once('ready-to-show', () => win.show())

  if ('url' in opts.renderer) void win.loadURL(opts.renderer.url)
  else void win.loadFile(opts.renderer.file)
  return win
}
