import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import WebSocket from 'ws'
import { startWebHost, type WebHost } from '../../src-main/web/server.ts'

const dir = mkdtempSync(join(tmpdir(), 'activeem-web-'))
let host: WebHost

before(async () => {
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>ActiveEM</title>')
  host = await startWebHost({ rendererDir: dir, maxInFlight: 64 })
})
after(async () => {
  await host.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A raw GET: the path goes out exactly as written (no client-side normalisation). */
function get(path: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: host.port,
      path,
      headers: { host: `127.0.0.1:${host.port}` },
    })
    req.on('response', (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }))
    })
    req.on('error', reject)
    req.end()
  })
}

function open(): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`)
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)))
}

async function appInfo(ws: WebSocket, id: number): Promise<{ id: number; ok: boolean }> {
  const reply = new Promise<{ id: number; ok: boolean }>((resolve) =>
    ws.on('message', (d) => {
      const r = JSON.parse(d.toString()) as { id: number; ok: boolean }
      if (r.id === id) resolve(r)
    }),
  )
  ws.send(JSON.stringify({ id, method: 'app.info', params: {} }))
  return reply
}

test('malformed percent-escapes get 400, and the host goes on serving', async () => {
  for (const path of ['/%c0', '/%', '/%zz', '/a%2', '/%E0%A4%A']) {
    assert.equal((await get(path)).status, 400, path)
  }
  const index = await get('/')
  assert.equal(index.status, 200)
  assert.equal(index.headers['referrer-policy'], 'no-referrer')
})

test('an oversized frame and an invalid UTF-8 frame close only their own socket', async () => {
  const bystander = await open()
  const big = await open()
  big.on('error', () => undefined)
  const bigClosed = closed(big)
  big.send('x'.repeat((1 << 20) + 1))
  assert.equal(await bigClosed, 1009)

  const bad = await open()
  bad.on('error', () => undefined)
  const badClosed = closed(bad)
  // A text frame whose bytes are not UTF-8 (the client does not check what it is given as a Buffer).
  bad.send(Buffer.from([0x7b, 0xc0, 0xaf, 0x7d]), { binary: false })
  assert.equal(await badClosed, 1007)

  assert.equal((await appInfo(bystander, 7)).ok, true)
  assert.equal((await get('/')).status, 200)
  bystander.close()
})

test('1,000 requests in flight on one socket: each is answered, the ones past the limit as busy', async () => {
  const ws = await open()
  const replies = new Map<number, { ok: boolean; error?: { code: string } }>()
  const done = new Promise<void>((resolve) =>
    ws.on('message', (d) => {
      const r = JSON.parse(d.toString()) as { id: number; ok: boolean; error?: { code: string } }
      replies.set(r.id, r)
      if (replies.size === 1000) resolve()
    }),
  )
  for (let id = 1; id <= 1000; id++) ws.send(JSON.stringify({ id, method: 'app.info', params: {} }))
  await done
  const busy = [...replies.values()].filter((r) => !r.ok)
  assert.ok(
    busy.every((r) => r.error?.code === 'busy'),
    JSON.stringify(busy.find((r) => r.error?.code !== 'busy')),
  )
  assert.ok([...replies.values()].some((r) => r.ok))
  assert.equal(replies.size, 1000)
  ws.close()
})
