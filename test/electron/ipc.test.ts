import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import type { IpcMainInvokeEvent } from 'electron'
import { ApiResponse, EVENT_CHANNEL, IPC_CHANNEL } from '../../src-shared/contract.ts'
import { ProjectConnections } from '../../src-main/api/project-connections.ts'
import { Job } from '../../src-main/engine/jobs/index.ts'
import { registerIpc, type EventReceiver, type IpcMainLike } from '../../src-main/electron/ipc.ts'
import { Project } from '../../src-main/engine/store/index.ts'
import { APP_VERSION } from '../../src-main/engine/version.ts'

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown

function fakeIpcMain() {
  const handlers = new Map<string, Handler>()
  const ipcMain: IpcMainLike = {
    handle(channel, listener) {
      assert.ok(!handlers.has(channel), `one handler per channel (${channel})`)
      handlers.set(channel, listener)
    },
    removeHandler(channel) {
      handlers.delete(channel)
    },
  }
  return { ipcMain, handlers }
}

const event = (url = 'file:///app/out/renderer/index.html') =>
  ({ senderFrame: { url } }) as unknown as IpcMainInvokeEvent

/** Invokes the registered handler as ipcRenderer.invoke would, and checks the reply is a contract response. */
async function invoke(handler: Handler, ...args: unknown[]): Promise<ApiResponse> {
  const reply = await handler(event(), ...args)
  return ApiResponse.parse(structuredClone(reply))
}

const tmp = mkdtempSync(join(tmpdir(), 'activeem-ipc-'))
after(() => rmSync(tmp, { recursive: true, force: true }))
const projectDir = join(tmp, 'project')
Project.init(projectDir, 'ipc test').close()

function setup(project: string | null = projectDir) {
  const { ipcMain, handlers } = fakeIpcMain()
  const remove = registerIpc(ipcMain, { transport: 'ipc', project })
  const handler = handlers.get(IPC_CHANNEL)
  assert.ok(handler, `handles ${IPC_CHANNEL}`)
  return { handler, handlers, remove }
}

function assertRejected(reply: ApiResponse, pattern: RegExp): void {
  assert.equal(reply.ok, false, `expected an error reply, got ${JSON.stringify(reply)}`)
  if (reply.ok) return
  assert.equal(reply.error.code, 'bad-request', `rejected before running: ${reply.error.message}`)
  assert.match(reply.error.message, pattern)
}

test('a valid app.info is answered', async () => {
  const { handler } = setup()
  const reply = await invoke(handler, { id: 7, method: 'app.info', params: {} })
  assert.equal(reply.ok, true)
  const { annotator, ...rest } = (reply as { result: { annotator: string } }).result
  assert.deepEqual(rest, { version: APP_VERSION, transport: 'ipc', project: projectDir })
  assert.match(annotator, /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'the default annotator is a valid name')
})

test('a valid project.show runs', async () => {
  const { handler } = setup()
  const reply = await invoke(handler, { id: 1, method: 'project.show', params: { dir: projectDir } })
  assert.equal(reply.ok, true)
  assert.equal(reply.ok && (reply.result as { name: string }).name, 'ipc test')
})

test('messages that are not request objects get an error reply', async () => {
  const { handler } = setup()
  for (const raw of [undefined, null, 'app.info', 42, [], ['app.info', {}], true]) {
    assertRejected(await invoke(handler, raw), /malformed request/)
  }
  assertRejected(
    await invoke(handler, { id: 1, method: 'app.info', params: {} }, 'extra'),
    /one message per call/,
  )
})

test('unknown methods and malformed envelopes are rejected', async () => {
  const { handler } = setup()
  assertRejected(
    await invoke(handler, { id: 2, method: 'fs.delete', params: { path: '/' } }),
    /malformed request/,
  )
  assertRejected(await invoke(handler, { id: 3, method: '__proto__', params: {} }), /malformed request/)
  assertRejected(await invoke(handler, { id: 4, params: {} }), /malformed request/)
  assertRejected(await invoke(handler, { id: -1, method: 'app.info', params: {} }), /malformed request/)
  assertRejected(
    await invoke(handler, { id: 5, method: 'app.info', params: {}, extra: 1 }),
    /malformed request/,
  )
  const reply = await invoke(handler, { id: 9, method: 'nope', params: {} })
  assert.equal(reply.id, 9, 'the reply carries the request id so the caller can match it')
})

test('bad params are rejected without running the method', async () => {
  const { handler } = setup()
  // Each of these would fail differently (bad-input: no such folder / file) if the handler ran.
  const missing = join(tmp, 'does-not-exist')
  assertRejected(
    await invoke(handler, { id: 1, method: 'project.show', params: { dir: missing, extra: true } }),
    /invalid params/,
  )
  assertRejected(
    await invoke(handler, { id: 1, method: 'project.show', params: { dir: 12 } }),
    /invalid params at 'dir'/,
  )
  assertRejected(await invoke(handler, { id: 1, method: 'project.show', params: {} }), /invalid params/)
  assertRejected(await invoke(handler, { id: 1, method: 'project.show', params: 'x' }), /invalid params/)
  assertRejected(
    await invoke(handler, { id: 1, method: 'volume.slice', params: { spec: `${missing}.h5#raw`, z: -1 } }),
    /invalid params at 'z'/,
  )
  assertRejected(
    await invoke(handler, {
      id: 1,
      method: 'volume.slice',
      params: { spec: `${missing}.h5#raw`, maxSize: 1e9 },
    }),
    /invalid params at 'maxSize'/,
  )
  assertRejected(
    await invoke(handler, { id: 1, method: 'app.info', params: { project: '/etc' } }),
    /invalid params/,
  )

  // The same call with good params does run (and fails for its own reason), so the rejections above
  // came from validation, not from the handler.
  const ran = await invoke(handler, { id: 1, method: 'project.show', params: { dir: missing } })
  assert.equal(ran.ok, false)
  assert.equal(!ran.ok && ran.error.code, 'bad-input')
})

test('errors of the method itself come back as error replies, not exceptions', async () => {
  const { handler } = setup()
  const reply = await invoke(handler, {
    id: 3,
    method: 'volume.slice',
    params: { spec: join(tmp, 'none.h5#raw') },
  })
  assert.equal(reply.ok, false)
  assert.equal(reply.id, 3)
})

test('untrusted senders are refused; the handler can be removed', async () => {
  const { ipcMain, handlers } = fakeIpcMain()
  const remove = registerIpc(
    ipcMain,
    { transport: 'ipc', project: null },
    {
      isTrustedSender: (e) => e.senderFrame?.url.startsWith('file:///app/') ?? false,
    },
  )
  const handler = handlers.get(IPC_CHANNEL)!
  const ok = ApiResponse.parse(await handler(event(), { id: 1, method: 'app.info', params: {} }))
  assert.equal(ok.ok, true)
  const refused = ApiResponse.parse(
    await handler(event('https://evil.example/'), { id: 2, method: 'app.info', params: {} }),
  )
  assert.equal(refused.ok, false)
  assert.match(!refused.ok ? refused.error.message : '', /untrusted/)
  remove()
  assert.equal(handlers.has(IPC_CHANNEL), false)
})

test('the context is read per call: a project opened later is reported', async () => {
  const { ipcMain, handlers } = fakeIpcMain()
  const ctx = { transport: 'ipc' as const, project: null as string | null }
  registerIpc(ipcMain, ctx)
  const handler = handlers.get(IPC_CHANNEL)!
  const first = ApiResponse.parse(await handler(event(), { id: 1, method: 'app.info', params: {} }))
  assert.equal(first.ok && (first.result as { project: string | null }).project, null)
  ctx.project = projectDir
  const second = ApiResponse.parse(await handler(event(), { id: 2, method: 'app.info', params: {} }))
  assert.equal(second.ok && (second.result as { project: string | null }).project, projectDir)
})

/** A window's web contents as far as events go: what it is sent, and its lifecycle's listeners. */
function fakeContents() {
  const sent: unknown[][] = []
  const on = new Map<string, Array<() => void>>()
  const contents: EventReceiver = {
    send: (channel, ...args) => void sent.push([channel, ...args]),
    isDestroyed: () => false,
    once: (name, listener) => on.set(name, [...(on.get(name) ?? []), listener]),
    on: (name, listener) => on.set(name, [...(on.get(name) ?? []), listener]),
  }
  const fire = (name: string): void => on.get(name)?.forEach((l) => l())
  return { contents, sent, fire }
}

test("a page's subscription sends it the project's changes on the event channel, until it navigates or goes", async () => {
  const { ipcMain, handlers } = fakeIpcMain()
  const projects = new ProjectConnections()
  registerIpc(ipcMain, { transport: 'ipc', project: projectDir, projects })
  const handler = handlers.get(IPC_CHANNEL)!
  const page = fakeContents()
  const from = { senderFrame: { url: 'file:///app/out/renderer/index.html' }, sender: page.contents }
  const call = async (id: number, method: string, params: unknown) =>
    ApiResponse.parse(await handler(from as unknown as IpcMainInvokeEvent, { id, method, params }))
  const until = async (check: () => boolean): Promise<void> => {
    for (let t = 0; !check(); t += 20) {
      assert.ok(t < 2000, 'within 2 s')
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  try {
    assert.deepEqual(await call(1, 'events.subscribe', { dir: projectDir }), {
      id: 1,
      ok: true,
      result: { dir: projectDir },
    })
    const other = Project.open(projectDir)
    try {
      Job.startOrResume(other, 'predict', 'ipc', { raw: 'x' }).finish('done', 'ok')
    } finally {
      other.close()
    }
    await until(() => page.sent.length > 0)
    assert.deepEqual(page.sent[0], [
      EVENT_CHANNEL,
      { event: 'project.changed', dir: projectDir, topics: ['jobs'] },
    ])

    // A reload is a new page: it has no subscription until it makes one.
    page.fire('did-navigate')
    assert.equal(projects.changes.watching, 0)
    assert.equal((await call(2, 'events.subscribe', { dir: projectDir })).ok, true)
    assert.equal(projects.changes.watching, 1, 'the same contents, subscribed again')
    page.fire('destroyed')
    assert.equal(projects.changes.watching, 0)
  } finally {
    projects.close()
  }
})

test('a page of a host without held connections cannot subscribe', async () => {
  const { handler } = setup()
  const page = fakeContents()
  const from = { senderFrame: { url: 'file:///app/out/renderer/index.html' }, sender: page.contents }
  const reply = ApiResponse.parse(
    await handler(from as unknown as IpcMainInvokeEvent, {
      id: 1,
      method: 'events.subscribe',
      params: { dir: projectDir },
    }),
  )
  assert.equal(reply.ok, false)
  assert.match(!reply.ok ? reply.error.message : '', /cannot be sent events/)
})
