/**
 * Sandboxed preload: exposes `window.activeem.call(method, params)` and nothing else. The renderer
 * never sees ipcRenderer; every reply is checked against the contract before it is handed over.
 */
import './jitless.ts'
import { contextBridge, ipcRenderer } from 'electron'
import { IPC_CHANNEL, unwrapResponse, type ActiveEmBridge } from '../src-shared/contract.ts'

let nextId = 1

const bridge: ActiveEmBridge = {
  async call(method, params) {
    const id = nextId++
    const reply: unknown = await ipcRenderer.invoke(IPC_CHANNEL, { id, method, params })
    return unwrapResponse(method, reply)
  },
}

contextBridge.exposeInMainWorld('activeem', bridge)
