/**
 * The web host's API token: where the renderer finds it and where it keeps it. No DOM types, so the
 * tests run it in Node with a stand-in window.
 */
/** ws(s)://<host>/api?token=..., or null when the page URL has no token. */
export function apiSocketUrl(location: { protocol: string; host: string; search: string }): string | null {
  const token = new URLSearchParams(location.search).get('token')
  if (!token) return null
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${location.host}/api?token=${encodeURIComponent(token)}`
}

const TOKEN_KEY = 'activeem.token'

/**
 * The page's API token, moved out of the address bar (history, screenshots, links pasted elsewhere) into
 * this tab's session storage, where a reload finds it again. The rest of the address stays.
 */
export interface TokenWindow {
  location: { search: string; pathname: string; hash: string }
  history: { state: unknown; replaceState(state: unknown, unused: string, url: string): void }
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void }
}

export function takeToken(win: TokenWindow): string | null {
  const params = new URLSearchParams(win.location.search)
  const fromUrl = params.get('token')
  if (!fromUrl) {
    try {
      return win.sessionStorage.getItem(TOKEN_KEY)
    } catch {
      return null
    }
  }
  try {
    win.sessionStorage.setItem(TOKEN_KEY, fromUrl)
  } catch {
    // No session storage (a locked-down browser): the token stays in the address, or a reload loses it.
    return fromUrl
  }
  params.delete('token')
  const search = params.toString()
  win.history.replaceState(
    win.history.state,
    '',
    `${win.location.pathname}${search ? `?${search}` : ''}${win.location.hash}`,
  )
  return fromUrl
}
