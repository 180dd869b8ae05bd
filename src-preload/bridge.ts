/**
 * What the preload puts on `window.activeem`: `call`, `pathForFile`, `onMenu` and `onEvent`, nothing else.
 * Electron is passed in so tests can drive it with fakes; the renderer never sees ipcRenderer or webUtils.
 */
import type { IpcRendererEvent } from 'electron'
import type { z } from 'zod'
import {
  EVENT_CHANNEL,
  IPC_CHANNEL,
  MENU_CHANNEL,
  MenuCommand,
  ProjectEvent,
  unwrapResponse,
  type ActiveEmBridge,
} from '../src-shared/contract.ts'

type MenuListener = (event: IpcRendererEvent, ...args: unknown[]) => void

/**
 * Listens on a channel main sends to, handing the listener only messages `schema` accepts: main
 * validates what it sends, and checking again here means nothing malformed reaches the page.
 */
function listen<T>(
  ipcRenderer: PreloadElectron['ipcRenderer'],
  channel: string,
  schema: z.ZodType<T>,
  what: { method: string; message: string },
  listener: (message: T) => void,
): () => void {
  if (typeof listener !== 'function') throw new TypeError(`${what.method} needs a listener function`)
  const receive: MenuListener = (_event, raw, ...rest) => {
    const parsed = rest.length === 0 ? schema.safeParse(raw) : null
    if (!parsed?.success) {
      console.warn(`ActiveEM: dropped a malformed ${what.message} message`)
      return
    }
    listener(parsed.data)
  }
  ipcRenderer.on(channel, receive)
  let subscribed = true
  return () => {
    if (!subscribed) return
    subscribed = false
    ipcRenderer.removeListener(channel, receive)
  }
}

/** The parts of the sandboxed preload's electron module the bridge uses. */
export interface PreloadElectron {
  ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>
    on(channel: string, listener: MenuListener): unknown
    removeListener(channel: string, listener: MenuListener): unknown
  }
  webUtils: { getPathForFile(file: Blob & { readonly name: string }): string }
}

export interface ExposingElectron extends PreloadElectron {
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void }
}

export type PreloadBridge = Required<ActiveEmBridge>

export function createBridge({ ipcRenderer, webUtils }: PreloadElectron): PreloadBridge {
  let nextId = 1
  return {
    async call(method, params) {
      const id = nextId++
      const reply: unknown = await ipcRenderer.invoke(IPC_CHANNEL, { id, method, params })
      return unwrapResponse(method, reply)
    },

    pathForFile(file) {
      try {
        return webUtils.getPathForFile(file)
      } catch {
        // Not a File (the page passed something else): no path, like a File made in JS.
        return ''
      }
    },

    onMenu(listener) {
      return listen(ipcRenderer, MENU_CHANNEL, MenuCommand, { method: 'onMenu', message: 'menu' }, listener)
    },

    onEvent(listener) {
      return listen(
        ipcRenderer,
        EVENT_CHANNEL,
        ProjectEvent,
        { method: 'onEvent', message: 'project event' },
        listener,
      )
    },
  }
}

export function exposeBridge(electron: ExposingElectron): void {
  electron.contextBridge.exposeInMainWorld('activeem', createBridge(electron))
}
