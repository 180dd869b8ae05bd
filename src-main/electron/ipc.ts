/**
 * The API over Electron IPC: one invoke channel, every message validated by `dispatch` against the
 * contract before anything runs; the project events a page subscribed to go back on EVENT_CHANNEL.
 * Electron is passed in so tests can drive it with a fake ipcMain.
 */
import type { IpcMainInvokeEvent } from 'electron'
import { EVENT_CHANNEL, IPC_CHANNEL, type ApiResponse } from '../../src-shared/contract.ts'
import { dispatch, type ApiContext } from '../api/handlers.ts'
import type { EventSink } from '../api/types.ts'

/** The part of ipcMain this module uses. */
export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown> | unknown,
  ): void
  removeHandler(channel: string): void
}

export interface IpcOptions {
  /** Answers only frames this returns true for (the app's own page); others get an error reply. */
  isTrustedSender?: (event: IpcMainInvokeEvent) => boolean
}

/** The part of a page's web contents (the event's sender) its events are sent through. */
export interface EventReceiver {
  send(channel: string, ...args: unknown[]): void
  isDestroyed(): boolean
  once(event: 'destroyed', listener: () => void): unknown
  on(event: 'did-navigate', listener: () => void): unknown
}

function requestId(raw: unknown): number {
  const id = (raw as { id?: unknown } | null)?.id
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 ? id : 0
}

/**
 * Handles `IPC_CHANNEL`. `ctx` is read on every call, so the main process may change `ctx.project`
 * (File > Open project...) and reload the page. Returns a function that removes the handler.
 */
export function registerIpc(ipcMain: IpcMainLike, ctx: ApiContext, options: IpcOptions = {}): () => void {
  const sinks = new WeakMap<EventReceiver, EventSink>()
  /** One sink per web contents; its subscription ends with its page (a reload or navigation) or itself. */
  const sinkOf = (sender: EventReceiver | undefined): EventSink | undefined => {
    const changes = ctx.projects?.changes
    // Without the host's held connections a subscription would end with the request.
    if (!sender || !changes) return undefined
    let sink = sinks.get(sender)
    if (sink) return sink
    const made: EventSink = {
      send: (event) => {
        if (!sender.isDestroyed()) sender.send(EVENT_CHANNEL, event)
      },
    }
    const drop = (): void => changes.unsubscribe(made)
    sender.once('destroyed', drop)
    sender.on('did-navigate', drop)
    sinks.set(sender, (sink = made))
    return sink
  }

  ipcMain.handle(IPC_CHANNEL, async (event, raw: unknown, ...rest: unknown[]): Promise<ApiResponse> => {
    if (options.isTrustedSender && !options.isTrustedSender(event)) {
      return {
        id: requestId(raw),
        ok: false,
        error: { code: 'bad-request', message: 'request from an untrusted frame' },
      }
    }
    if (rest.length > 0) {
      return {
        id: requestId(raw),
        ok: false,
        error: { code: 'bad-request', message: 'malformed request: one message per call' },
      }
    }
    const client = sinkOf((event as { sender?: EventReceiver }).sender)
    return dispatch(raw, { ...ctx, ...(client ? { client } : {}) })
  })
  return () => ipcMain.removeHandler(IPC_CHANNEL)
}
