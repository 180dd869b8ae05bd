/**
 * The API over Electron IPC: one invoke channel, every message validated by `dispatch` against the
 * contract before anything runs. Electron is passed in so tests can drive it with a fake ipcMain.
 */
import type { IpcMainInvokeEvent } from 'electron'
import { IPC_CHANNEL, type ApiResponse } from '../../src-shared/contract.ts'
import { dispatch, type ApiContext } from '../api/handlers.ts'

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

function requestId(raw: unknown): number {
  const id = (raw as { id?: unknown } | null)?.id
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 ? id : 0
}

/**
 * Handles `IPC_CHANNEL`. `ctx` is read on every call, so the main process may change `ctx.project`
 * (File > Open project...) and reload the page. Returns a function that removes the handler.
 */
export function registerIpc(ipcMain: IpcMainLike, ctx: ApiContext, options: IpcOptions = {}): () => void {
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
    return dispatch(raw, { ...ctx })
  })
  return () => ipcMain.removeHandler(IPC_CHANNEL)
}
