// h5wasm-plugins ships no types; this is the part of its API we call.
declare module 'h5wasm-plugins' {
  export const plugin_names: string[]
  export function install_local_plugins(module: unknown): void
}
