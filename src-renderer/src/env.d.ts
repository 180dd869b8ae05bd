// Ambient types for the renderer (a script file, so its declarations are global).

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}

interface Window {
  /** Set by the Electron preload; absent in a browser (the web host), where the WebSocket transport is used. */
  activeem?: import('../../src-shared/contract.ts').ActiveEmBridge
}
