import { useTransport } from './transport.ts'

/**
 * What a screen remembers per project (focus, toggles, filters), kept in the project folder by the
 * host: localStorage would not do, since the web host's origin (its port) changes from run to run.
 */
const cache = new Map<string, Promise<Record<string, unknown>>>()
const timers = new Map<string, ReturnType<typeof setTimeout>>()

export function loadUiState<T>(dir: string, key: string): Promise<T | null> {
  let state = cache.get(dir)
  if (!state) {
    state = useTransport()
      .call('ui.state.get', { dir })
      .catch(() => ({}))
    cache.set(dir, state)
  }
  return state.then((s) => (s[key] as T | undefined) ?? null)
}

/** Saves after the view has been still for `delayMs`: scrolling or dragging does not write every frame. */
export function saveUiState(dir: string, key: string, value: unknown, delayMs = 500): void {
  const id = `${dir}\n${key}`
  clearTimeout(timers.get(id))
  timers.set(
    id,
    setTimeout(() => {
      timers.delete(id)
      const state = cache.get(dir)
      if (state) void state.then((s) => (s[key] = value))
      void useTransport()
        .call('ui.state.set', { dir, key, value })
        .catch(() => {}) // losing a remembered view is not worth an error banner
    }, delayMs),
  )
}
