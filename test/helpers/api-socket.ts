import WebSocket from 'ws'
import { ProjectEvent, type ApiResponse } from '../../src-shared/contract.ts'

/** A client of the web host's API as the page is: one WebSocket, replies matched to requests by id. */
export interface ApiSocket {
  /** Sends one request; resolves with its reply, or rejects if the socket closes first. */
  request(method: string, params: unknown): Promise<ApiResponse>
  /** Every event the host pushed so far (messages without an id), checked against the contract. */
  readonly events: ProjectEvent[]
  /** The first event after the `seen` first ones, or null when none comes within `ms`. */
  eventAfter(seen: number, ms: number): Promise<ProjectEvent | null>
  close(): void
}

export async function openApiSocket(port: number, token: string): Promise<ApiSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`)
  await new Promise<void>((ok, fail) => {
    ws.once('open', () => ok())
    ws.once('error', fail)
  })
  const waiting = new Map<number, { ok: (r: ApiResponse) => void; fail: (e: Error) => void }>()
  const events: ProjectEvent[] = []
  const eventWaiters = new Set<() => void>()
  let next = 1
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { id?: number }
    if (message.id === undefined) {
      events.push(ProjectEvent.parse(message))
      for (const wake of [...eventWaiters]) wake()
      return
    }
    const reply = message as ApiResponse
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
    events,
    eventAfter: (seen, ms) =>
      new Promise((resolve) => {
        if (events.length > seen) return resolve(events[seen]!)
        const wake = (): void => {
          clearTimeout(timer)
          eventWaiters.delete(wake)
          resolve(events[seen]!)
        }
        const timer = setTimeout(() => {
          eventWaiters.delete(wake)
          resolve(null)
        }, ms)
        eventWaiters.add(wake)
      }),
    close: () => ws.terminate(),
  }
}
