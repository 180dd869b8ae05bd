import { randomBytes, timingSafeEqual } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { dispatch } from '../api/handlers.ts'
import { ProjectConnections } from '../api/project-connections.ts'
import type { ApiContext, EventSink } from '../api/types.ts'

export interface WebHostOptions {
  port?: number
  project?: string | null
  rendererDir: string
  token?: string
  /** Requests one socket may have in flight; more are answered 'busy' at once (default 256). */
  maxInFlight?: number
  /** Jobs of one project that may run at once (default: ACTIVEEM_MAX_JOBS, else 8). */
  maxJobs?: number
}

export interface WebHost {
  url: string
  port: number
  token: string
  /** The projects this host holds open, one connection each, until close(). */
  projects: ProjectConnections
  /** Ends every socket, commits the labels still waiting and closes the project connections. */
  close(): Promise<void>
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
}

const MAX_MESSAGE_BYTES = 1 << 20
const MAX_IN_FLIGHT = 256

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * The renderer in a browser: static files plus the API over one WebSocket, bound to 127.0.0.1 only.
 * A per-run token guards the API, and Host/Origin checks stop other sites (DNS rebinding) from using it.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url')
  const root = resolve(options.rendererDir)
  const projects = new ProjectConnections()
  let port = 0
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`]

  const server = createServer((req, res) => {
    // Any page the user visits can send requests here: nothing in one may take the host down.
    try {
      if (!allowedHosts().includes(req.headers.host ?? ''))
        return send(res, 421, 'text/plain', 'misdirected request')
      serveStatic(root, req, res, port)
    } catch {
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error')
      else res.destroy()
    }
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES })
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy())
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1')
    } catch {
      socket.write('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
      socket.destroy()
      return
    }
    const origin = req.headers.origin
    const originOk = origin === undefined || allowedHosts().some((h) => origin === `http://${h}`)
    const hostOk = allowedHosts().includes(req.headers.host ?? '')
    if (
      url.pathname !== '/api' ||
      !hostOk ||
      !originOk ||
      !sameToken(url.searchParams.get('token') ?? '', token)
    ) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n')
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) =>
      serveApi(
        ws,
        {
          transport: 'web',
          project: options.project ?? null,
          projects,
          ...(options.maxJobs ? { maxJobs: options.maxJobs } : {}),
        },
        options.maxInFlight ?? MAX_IN_FLIGHT,
      ),
    )
  })

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(options.port ?? 0, '127.0.0.1', () => ok())
  })
  port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    projects,
    close: () =>
      new Promise<void>((ok) => {
        for (const client of wss.clients) client.terminate()
        wss.close()
        projects.close()
        server.close(() => ok())
        server.closeAllConnections()
      }),
  }
}

/**
 * One socket's requests. A frame over the size limit or a text frame that is not UTF-8 makes `ws` close
 * that socket with 1009 or 1007 and emit 'error', which must be handled here or it would end the host.
 * Past `maxInFlight` unanswered requests, a request is answered 'busy' at once, never dropped. The socket
 * is also where its subscription's events go (events.subscribe), until it closes.
 */
function serveApi(ws: WebSocket, base: ApiContext, maxInFlight: number): void {
  let inFlight = 0
  const reply = (value: object): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(value))
  }
  // Events share the socket with the replies; having no `id`, they are never taken for one.
  const client: EventSink = { send: reply }
  const ctx: ApiContext = { ...base, client }
  ws.on('close', () => base.projects?.changes.unsubscribe(client))
  ws.on('error', () => ws.terminate())
  ws.on('message', async (data) => {
    let message: unknown
    try {
      message = JSON.parse(data.toString())
    } catch {
      reply({ id: 0, ok: false, error: { code: 'bad-request', message: 'malformed request: not JSON' } })
      return
    }
    if (inFlight >= maxInFlight) {
      const id =
        typeof (message as { id?: unknown })?.id === 'number' ? (message as { id: number }).id >>> 0 : 0
      reply({
        id,
        ok: false,
        error: {
          code: 'busy',
          message: `busy: ${maxInFlight} requests of this connection are still unanswered`,
        },
      })
      return
    }
    inFlight++
    try {
      reply(await dispatch(message, ctx))
    } catch (e) {
      reply({
        id: 0,
        ok: false,
        error: { code: 'internal', message: e instanceof Error ? e.message : String(e) },
      })
    } finally {
      inFlight--
    }
  })
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': type,
    'X-Content-Type-Options': 'nosniff',
    // The page's address holds the token: no request may carry it to another site.
    'Referrer-Policy': 'no-referrer',
    ...headers,
  })
  res.end(body)
}

function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, port: number): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed')
  if (!existsSync(join(root, 'index.html'))) {
    return send(res, 503, 'text/plain', `renderer not built: run 'npm run build' (looked in ${root})`)
  }
  let pathname: string
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname)
  } catch {
    return send(res, 400, 'text/plain', 'bad request: malformed URL')
  }
  const file = normalize(join(root, pathname === '/' ? 'index.html' : pathname))
  if (file !== root && !file.startsWith(root + sep)) return send(res, 403, 'text/plain', 'forbidden')
  if (!existsSync(file) || !statSync(file).isFile()) return send(res, 404, 'text/plain', 'not found')
  const type = TYPES[extname(file)] ?? 'application/octet-stream'
  const headers: Record<string, string> = {}
  if (type.startsWith('text/html')) {
    headers['Content-Security-Policy'] = [
      "default-src 'self'",
      `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
      "img-src 'self' data: blob:",
      "style-src 'self' 'unsafe-inline'",
      "script-src 'self' 'wasm-unsafe-eval'",
      "object-src 'none'",
      "frame-ancestors 'none'",
    ].join('; ')
    headers['Cache-Control'] = 'no-store'
  }
  send(res, 200, type, readFileSync(file), headers)
}
