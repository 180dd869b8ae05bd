import WebSocket from 'ws'
import type { ApiResponse } from '../../src-shared/contract.ts'

/** A client of the web host's API as the page is: one WebSocket, replies matched to requests by id. */
export interface ApiSocket {
  /** Sends one request; resolves with its reply, or rejects if the socket closes first. */
  request(method: string, params: unknown): Promise<ApiResponse>
  close(): void
}

export async function openApiSocket(port: number, token: string): Promise<ApiSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`)
  await new Promise<void>((ok, fail) => {
    ws.once('open', () => ok())
    ws.once('error', fail)
  })
  const waiting = new Map<number, { ok: (r: ApiResponse) => void; fail: (e: Error) => void }>()
  let next = 1
  ws.on('message', (data) => {
    const reply = JSON.parse(data.toString()) as ApiResponse
    waiting.get(reply.id)?.ok(reply)
    waiting.delete(reply.id)
  })
  ws.on('error', () => undefined)
  ws.on('close', () => {
    for (const w of waiting.values()) w.fail(new Error('the socket closed before the reply'))
    waiting.clear()
  })
  return {
    request: (method, params) =>
      new Promise((ok, fail) => {
        const id = next++
        waiting.set(id, { ok, fail })
        ws.send(JSON.stringify({ id, method, params }))
      }),
    close: () => ws.terminate(),
  }
}
