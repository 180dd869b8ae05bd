/**
 * How the renderer reaches the engine: the Electron preload's `window.activeem` when it exists,
 * else a WebSocket to the web host (`activeem serve`) at ws://<host>/api?token=<token from the page URL>.
 * Both check every reply against the contract (`unwrapResponse`) and reject with a readable message,
 * and hand the events the host pushes (after events.subscribe) to `onEvent` listeners.
 */
import {
  ApiCallError,
  ProjectEvent,
  unwrapResponse,
  type ActiveEmBridge,
  type ApiMethod,
  type ApiParams,
  type ApiResult,
} from '../../../src-shared/contract.ts'
import { messageOf } from '../lib/errors.ts'
import { apiSocketUrl, takeToken } from './token.ts'

export type TransportKind = 'ipc' | 'web'

export type ProjectEventListener = (event: ProjectEvent) => void
export type ConnectionListener = (open: boolean) => void

export interface Transport extends ActiveEmBridge {
  readonly kind: TransportKind
  /** The host's project events; returns the unsubscribe function. */
  onEvent(listener: ProjectEventListener): () => void
  /**
   * The connection opened (again) or closed: a host forgets a closed connection's subscription, so a
   * reopened one must subscribe again. Only the web transport's connection ever closes.
   */
  onConnection(listener: ConnectionListener): () => void
}

/** Adds `listener` to `set`; returns the function that removes it. */
function listenIn<T>(set: Set<T>, listener: T): () => void {
  set.add(listener)
  return () => void set.delete(listener)
}

interface Pending {
  method: ApiMethod
  resolve: (value: unknown) => void
  reject: (error: Error) => void
  timer: ReturnType<typeof setTimeout>
}

/** The reply of a call, or an ApiCallError whose message says what went wrong. */
function settle(pending: Pending, raw: unknown): void {
  try {
    pending.resolve(unwrapResponse(pending.method, raw))
  } catch (e) {
    pending.reject(
      e instanceof ApiCallError
        ? e
        : new ApiCallError('internal', `${pending.method}: invalid reply from the host`),
    )
  }
}

/**
 * One socket at a time, opened on the first call and reopened on the next call after it closes.
 * Calls in flight when the socket closes are rejected (never left hanging); each call also times out.
 */
export class WebSocketTransport implements Transport {
  readonly kind = 'web' as const
  private socket: WebSocket | null = null
  private opening: Promise<WebSocket> | null = null
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly eventListeners = new Set<ProjectEventListener>()
  private readonly connectionListeners = new Set<ConnectionListener>()

  constructor(
    private readonly url: string,
    private readonly timeoutMs = 120_000,
  ) {}

  async call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
    const socket = await this.connect()
    const id = this.nextId++
    return new Promise<ApiResult<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(
          new ApiCallError(
            'internal',
            `${method}: no reply from the host within ${Math.round(this.timeoutMs / 1000)} s`,
          ),
        )
      }, this.timeoutMs)
      this.pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject, timer })
      try {
        socket.send(JSON.stringify({ id, method, params }))
      } catch (e) {
        clearTimeout(timer)
        this.pending.delete(id)
        reject(new ApiCallError('internal', `${method}: could not send the request (${messageOf(e)})`))
      }
    })
  }

  close(): void {
    this.socket?.close()
    this.socket = null
  }

  onEvent(listener: ProjectEventListener): () => void {
    return listenIn(this.eventListeners, listener)
  }

  onConnection(listener: ConnectionListener): () => void {
    return listenIn(this.connectionListeners, listener)
  }

  private tell(open: boolean): void {
    for (const listener of [...this.connectionListeners]) listener(open)
  }

  private connect(): Promise<WebSocket> {
    if (this.socket?.readyState === WebSocket.OPEN) return Promise.resolve(this.socket)
    if (this.opening) return this.opening
    const opening = new Promise<WebSocket>((resolve, reject) => {
      let ws: WebSocket
      try {
        ws = new WebSocket(this.url)
      } catch (e) {
        this.opening = null
        reject(new ApiCallError('internal', `cannot connect to the ActiveEM host: ${messageOf(e)}`))
        return
      }
      let opened = false
      ws.onopen = () => {
        opened = true
        this.socket = ws
        this.opening = null
        resolve(ws)
        this.tell(true)
      }
      ws.onmessage = (event) => this.receive(event.data)
      ws.onerror = () => {
        // Always followed by a close event, which says what happened.
      }
      ws.onclose = (event) => {
        if (this.socket === ws) this.socket = null
        if (!opened) {
          this.opening = null
          reject(
            new ApiCallError(
              'internal',
              'cannot connect to the ActiveEM host: is `activeem serve` still running, and is this the URL it printed (with its token)?',
            ),
          )
          return
        }
        const why = event.reason ? `: ${event.reason}` : ` (code ${event.code})`
        this.failAll(`the connection to the ActiveEM host closed${why}; the next action reconnects`)
        this.tell(false)
      }
    })
    this.opening = opening
    return opening
  }

  private receive(data: unknown): void {
    let message: unknown
    try {
      message = JSON.parse(typeof data === 'string' ? data : '')
    } catch {
      console.warn('ActiveEM: ignored a message that is not JSON')
      return
    }
    if (message !== null && typeof message === 'object' && 'event' in message) {
      const event = ProjectEvent.safeParse(message)
      if (!event.success) console.warn('ActiveEM: ignored a malformed event from the host', message)
      else for (const listener of [...this.eventListeners]) listener(event.data)
      return
    }
    const id = (message as { id?: unknown } | null)?.id
    const pending = typeof id === 'number' ? this.pending.get(id) : undefined
    if (!pending) {
      console.warn('ActiveEM: ignored a reply to no pending request', message)
      return
    }
    clearTimeout(pending.timer)
    this.pending.delete(id as number)
    settle(pending, message)
  }

  private failAll(message: string): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer)
      this.pending.delete(id)
      pending.reject(new ApiCallError('internal', `${pending.method}: ${message}`))
    }
  }
}

/** Every call fails with the same message: used when the page URL lacks what the transport needs. */
class UnavailableTransport implements Transport {
  readonly kind = 'web' as const
  constructor(private readonly message: string) {}
  async call<M extends ApiMethod>(): Promise<ApiResult<M>> {
    throw new ApiCallError('bad-request', this.message)
  }
  onEvent(): () => void {
    return () => {}
  }
  onConnection(): () => void {
    return () => {}
  }
}

class IpcTransport implements Transport {
  readonly kind = 'ipc' as const
  constructor(private readonly bridge: ActiveEmBridge) {}
  async call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
    try {
      return await this.bridge.call(method, params)
    } catch (e) {
      // Errors crossing the context bridge keep their message only.
      throw e instanceof ApiCallError ? e : new ApiCallError('internal', messageOf(e) || `${method} failed`)
    }
  }
  onEvent(listener: ProjectEventListener): () => void {
    return this.bridge.onEvent?.(listener) ?? (() => {})
  }
  /** The IPC channel lives as long as the page: it never closes. */
  onConnection(): () => void {
    return () => {}
  }
}

export function createTransport(win: Window = window): Transport {
  if (win.activeem) return new IpcTransport(win.activeem)
  const token = takeToken(win)
  const url = apiSocketUrl({
    protocol: win.location.protocol,
    host: win.location.host,
    search: token ? `?token=${encodeURIComponent(token)}` : '',
  })
  if (!url) {
    return new UnavailableTransport(
      'no API token in the page URL: open the full URL that `activeem serve` printed (it ends with ?token=...)',
    )
  }
  return new WebSocketTransport(url)
}

let shared: Transport | null = null

/** The page's one transport, made on first use. */
export function useTransport(): Transport {
  shared ??= createTransport()
  return shared
}
