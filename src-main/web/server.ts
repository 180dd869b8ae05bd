import { randomBytes, timingSafeEqual } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { dispatch } from '../api/handlers.ts'

export interface WebHostOptions {
  port?: number
  project?: string | null
  rendererDir: string
  token?: string
}

export interface WebHost {
  url: string
  port: number
  token: string
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
  let port = 0
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`]

  const server = createServer((req, res) => {
    if (!allowedHosts().includes(req.headers.host ?? ''))
      return send(res, 421, 'text/plain', 'misdirected request')
    serveStatic(root, req, res, port)
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
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
    wss.handleUpgrade(req, socket, head, (ws) => serveApi(ws, options.project ?? null))
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
    close: () =>
      new Promise<void>((ok) => {
        for (const client of wss.clients) client.terminate()
        wss.close()
        server.close(() => ok())
        server.closeAllConnections()
      }),
  }
}

function serveApi(ws: WebSocket, project: string | null): void {
  ws.on('message', async (data) => {
    let message: unknown
    try {
      message = JSON.parse(data.toString())
    } catch {
      ws.send(
        JSON.stringify({
          id: 0,
          ok: false,
          error: { code: 'bad-request', message: 'malformed request: not JSON' },
        }),
      )
      return
    }
    const reply = await dispatch(message, { transport: 'web', project })
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply))
  })
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': type, 'X-Content-Type-Options': 'nosniff', ...headers })
  res.end(body)
}

function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, port: number): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed')
  if (!existsSync(join(root, 'index.html'))) {
    return send(res, 503, 'text/plain', `renderer not built: run 'npm run build' (looked in ${root})`)
  }
  const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname)
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
