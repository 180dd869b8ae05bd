/**
 * The change watcher on real projects: writes by another connection (a job's process), by the host's own
 * connection, and a job's process dying without a word each reach the subscriber as one event naming
 * what changed; nothing is sent when nothing changed, and no watcher runs without a subscriber.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import type { ProjectEvent } from '../../src-shared/contract.ts'
import { CHANGE_POLL_MS } from '../../src-main/api/project-changes.ts'
import { ProjectConnections } from '../../src-main/api/project-connections.ts'
import type { EventSink } from '../../src-main/api/types.ts'
import { Job, recordLaunch, setLaunchPid } from '../../src-main/engine/jobs/index.ts'
import { Project } from '../../src-main/engine/store/index.ts'
import { openVolume } from '../../src-main/engine/volume/index.ts'
import { cliJson } from '../helpers/cli.ts'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-changes-'))
after(() => rmSync(tmp, { recursive: true, force: true }))
const data = join(tmp, 'data')
cliJson(['synth', '--out', data, '--shape', '8,32,32', '--seed', '2'])

let made = 0
function newProject(): string {
  const dir = join(tmp, `project-${++made}`)
  Project.init(dir, 'changes').close()
  return dir
}

/** A subscriber that records what it is sent, and waits for the next event. */
function sink(): EventSink & { events: ProjectEvent[]; next(ms?: number): Promise<ProjectEvent | null> } {
  const events: ProjectEvent[] = []
  let wake: (() => void) | null = null
  return {
    events,
    send(event) {
      events.push(event)
      wake?.()
    },
    next(ms = 2000) {
      const seen = events.length
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          wake = null
          resolve(null)
        }, ms)
        wake = () => {
          clearTimeout(timer)
          wake = null
          resolve(events[seen]!)
        }
      })
    },
  }
}

/** Runs `write` on a connection of its own, as a job's process or a terminal's `activeem` would. */
function elsewhere(dir: string, write: (project: Project) => void): void {
  const project = Project.open(dir)
  try {
    write(project)
  } finally {
    project.close()
  }
}

test('a job row written by another connection reaches the subscriber within a second, named jobs', async () => {
  const dir = newProject()
  const host = new ProjectConnections()
  try {
    const client = sink()
    assert.equal(host.changes.subscribe(client, dir), dir)
    assert.equal(host.changes.watching, 1)

    const quiet = await client.next(4 * CHANGE_POLL_MS)
    assert.equal(quiet, null, 'nothing changed, nothing is sent')

    const t0 = Date.now()
    const coming = client.next()
    elsewhere(dir, (p) => Job.startOrResume(p, 'predict', 'k', { raw: 'x' }).finish('done', 'ok'))
    const event = await coming
    const ms = Date.now() - t0
    assert.ok(event, 'an event came')
    assert.deepEqual(event, { event: 'project.changed', dir, topics: ['jobs'] })
    assert.ok(ms < 1000, `within a second (${ms} ms)`)
    // The start and the finish, a few milliseconds apart, are one event or two, never more.
    await client.next(3 * CHANGE_POLL_MS)
    assert.ok(client.events.length <= 2, `${client.events.length} events`)
  } finally {
    host.close()
  }
  assert.equal(host.changes.watching, 0, 'closing the host stops its watchers')
})

test("the host's own writes reach every subscriber of the project, each under its own name for it", async () => {
  const dir = newProject()
  const host = new ProjectConnections()
  try {
    const a = sink()
    const b = sink()
    host.changes.subscribe(a, dir)
    host.changes.subscribe(b, `${dir}/.`)
    assert.equal(host.changes.watching, 1, 'one watcher per project, whatever the spelling')
    const volume = await openVolume(`${join(data, 'synthetic.h5')}#raw`)
    const both = Promise.all([a.next(), b.next()])
    try {
      host.use(dir, (p) => p.addVolume(volume, { role: 'raw' }))
    } finally {
      volume.close()
    }
    const [ea, eb] = await both
    assert.deepEqual(ea, { event: 'project.changed', dir, topics: ['volumes'] })
    assert.deepEqual(eb, { event: 'project.changed', dir: `${dir}/.`, topics: ['volumes'] })

    // A read through the host changes nothing: no event.
    host.use(dir, (p) => p.summary())
    assert.equal(await a.next(4 * CHANGE_POLL_MS), null)
  } finally {
    host.close()
  }
})

test('a subscription moves with its client, and the last one leaving stops the watcher', () => {
  const one = newProject()
  const two = newProject()
  const host = new ProjectConnections()
  try {
    const client = sink()
    host.changes.subscribe(client, one)
    host.changes.subscribe(client, two)
    assert.equal(host.changes.watching, 1, 'a client follows one project: the first watcher stopped')
    host.changes.unsubscribe(client)
    assert.equal(host.changes.watching, 0)
    assert.throws(() => host.changes.subscribe(client, join(tmp, 'nowhere')), /no such project folder/)
    assert.equal(host.changes.watching, 0, 'a refused subscription starts nothing')
  } finally {
    host.close()
  }
})

test('subscribing again to the same project (a page resyncing) loses no change made just before', async () => {
  const dir = newProject()
  const host = new ProjectConnections()
  try {
    const client = sink()
    host.changes.subscribe(client, dir)
    elsewhere(dir, (p) => Job.startOrResume(p, 'predict', 'k', { raw: 'x' }).finish('done', 'ok'))
    host.changes.subscribe(client, dir)
    assert.deepEqual(await client.next(), { event: 'project.changed', dir, topics: ['jobs'] })
  } finally {
    host.close()
  }
})

test('a job whose process dies without writing is a jobs change', async () => {
  const dir = newProject()
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
  await new Promise((resolve) => child.once('spawn', resolve))
  elsewhere(dir, (p) => {
    const { id } = recordLaunch(p, 'train', [], () => join(tmp, `job-${made}.log`))
    setLaunchPid(p, id, child.pid!)
  })
  const host = new ProjectConnections()
  try {
    const client = sink()
    host.changes.subscribe(client, dir)
    assert.equal(await client.next(4 * CHANGE_POLL_MS), null, 'a live job that writes nothing: no event')
    const coming = client.next()
    child.kill('SIGKILL')
    assert.deepEqual(await coming, { event: 'project.changed', dir, topics: ['jobs'] })
  } finally {
    child.kill('SIGKILL')
    host.close()
  }
})
