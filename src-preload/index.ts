/**
 * Sandboxed preload: exposes `window.activeem` (src-preload/bridge.ts) and nothing else. A sandboxed
 * preload can require only 'electron'; electron.vite.config.ts bundles the rest into one CommonJS file.
 */
import './jitless.ts'
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { exposeBridge } from './bridge.ts'

exposeBridge({ contextBridge, ipcRenderer, webUtils })
