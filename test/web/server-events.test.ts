/**
 * Project events over the web host's WebSocket: a socket subscribed to a project is sent an event (no
 * id, the contract's shape) when another process writes the project (the CLI, a job's connection); a
 * socket that did not subscribe is sent nothing; closing the socket stops the project's watcher.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { Job } from '../../src-main/engine/jobs/index.ts'
import { Project } from '../../src-main/engine/store/index.ts'
import { startWebHost, type WebHost } from '../../src-main/web/server.ts'
import { openApiSocket } from '../helpers/api-socket.ts'
import { cliJson } from '../helpers/cli.ts'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-web-events-'))
const dir = join(tmp, 'project')
const data = join(tmp, 'data')
let host: WebHost

before(async () => {
  writeFileSync(join(tmp, 'index.html'), '<!doctype html><title>ActiveEM</title>')
  cliJson(['synth', '--out', data, '--shape', '8,32,32', '--seed', '3'])
  cliJson(['project', 'init', dir])
  host = await startWebHost({ rendererDir: tmp })
})
after(async () => {
  await host.close()
  rmSync(tmp, { recursive: true, force: true })
})

/** Resolves once `check` holds, polling every 20 ms, or fails after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

test('a subscribed socket hears of another process writing the project; one that did not subscribe hears nothing', async () => {
  const subscribed = await openApiSocket(host.port, host.token)
  const bystander = await openApiSocket(host.port, host.token)
  try {
    const reply = await subscribed.request('events.subscribe', { dir })
    assert.deepEqual(reply, { id: 1, ok: true, result: { dir } })
    // The bystander uses the same project, but never subscribed.
    assert.equal((await bystander.request('project.show', { dir })).ok, true)
    assert.equal(host.projects.changes.watching, 1)

    // `activeem project import` in a process of its own.
    cliJson(['project', 'import', dir, `${join(data, 'synthetic.h5')}#raw`])
    let t0 = Date.now()
    const volumes = await subscribed.eventAfter(0, 1000)
    assert.ok(volumes, `an event within a second of the CLI's exit (${Date.now() - t0} ms)`)
    assert.deepEqual(volumes, { event: 'project.changed', dir, topics: ['volumes'] })

    // A job row written through the engine's job module on a connection of its own.
    const other = Project.open(dir)
    try {
      t0 = Date.now()
      Job.startOrResume(other, 'predict', 'key', { raw: 'x' })
    } finally {
      other.close()
    }
    const jobs = await subscribed.eventAfter(1, 1000)
    assert.ok(jobs, `an event within a second of the job's row (${Date.now() - t0} ms)`)
    assert.deepEqual(jobs.topics, ['jobs'])

    // A reply and an event never mix: requests are still answered by id.
    const shown = await subscribed.request('project.show', { dir })
    assert.equal(shown.ok && (shown.result as { volumes: unknown[] }).volumes.length, 1)

    await new Promise((r) => setTimeout(r, 500))
    assert.deepEqual(bystander.events, [], 'the socket that did not subscribe was sent nothing')

    // Unsubscribed, the socket is sent nothing more and the watcher stops.
    assert.deepEqual((await subscribed.request('events.unsubscribe', {})).ok, true)
    assert.equal(host.projects.changes.watching, 0)
    const seen = subscribed.events.length
    cliJson(['project', 'import', dir, `${join(data, 'synthetic.h5')}#labels/mito`, '--role', 'labels'])
    assert.equal(await subscribed.eventAfter(seen, 800), null)
  } finally {
    subscribed.close()
    bystander.close()
  }
})

test("closing the subscribed socket stops the project's watcher", async () => {
  const socket = await openApiSocket(host.port, host.token)
  assert.equal((await socket.request('events.subscribe', { dir })).ok, true)
  assert.equal(host.projects.changes.watching, 1)
  socket.close()
  await until(() => host.projects.changes.watching === 0, 2000, 'the watcher stops')
})

test('subscribing to a folder that is no project is refused, naming it', async () => {
  const socket = await openApiSocket(host.port, host.token)
  try {
    const reply = await socket.request('events.subscribe', { dir: join(tmp, 'nowhere') })
    assert.equal(reply.ok, false)
    assert.ok(!reply.ok && reply.error.code === 'bad-input', JSON.stringify(reply))
    assert.match(!reply.ok ? reply.error.message : '', /nowhere: no such project folder/)
    assert.equal(host.projects.changes.watching, 0)
  } finally {
    socket.close()
  }
})
