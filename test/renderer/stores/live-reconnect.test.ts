/**
 * The live store over the page's real WebSocket transport (the `ws` client standing in for the
 * browser's) and a real web host: events of a project written by another connection arrive; when the
 * host goes and comes back on its port, the page subscribes again by itself and every listener runs
 * once (changes may have been missed meanwhile), and events flow again.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { createPinia, setActivePinia } from 'pinia'
import WebSocket from 'ws'
import type { ProjectTopic } from '../../../src-shared/contract.ts'
import { Job } from '../../../src-main/engine/jobs/index.ts'
import { Project } from '../../../src-main/engine/store/index.ts'
import { startWebHost, type WebHost } from '../../../src-main/web/server.ts'

/** Imported by a path the node type check does not follow: the stores are typed against the DOM lib. */
const LIVE_STORE: string = '../../../src-renderer/src/stores/live.ts'

interface LiveStore {
  connected: boolean
  lost: boolean
  follow(dir: string | null): Promise<void>
  listen(topics: ProjectTopic[] | null, run: () => void, first?: () => void): () => void
}

const tmp = mkdtempSync(join(tmpdir(), 'activeem-live-reconnect-'))
writeFileSync(join(tmp, 'index.html'), '<!doctype html><title>ActiveEM</title>')
const dir = join(tmp, 'project')
Project.init(dir, 'live').close()
const token = 'live-reconnect-token'
let host: WebHost | null = null
after(async () => {
  await host?.close()
  rmSync(tmp, { recursive: true, force: true })
})

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

function writeJob(key: string): void {
  const project = Project.open(dir)
  try {
    Job.startOrResume(project, 'predict', key, { raw: 'x' }).finish('done', 'ok')
  } finally {
    project.close()
  }
}

test('live store: the page resubscribes after the host comes back, reads everything once, and hears again', async () => {
  host = await startWebHost({ rendererDir: tmp, token })
  const port = host.port
  const storage = new Map<string, string>()
  Object.assign(globalThis, {
    WebSocket,
    window: {
      location: {
        protocol: 'http:',
        host: `127.0.0.1:${port}`,
        search: `?token=${token}`,
        pathname: '/',
        hash: '',
      },
      history: { state: null, replaceState() {} },
      sessionStorage: {
        getItem: (k: string) => storage.get(k) ?? null,
        setItem: (k: string, v: string) => void storage.set(k, v),
      },
    },
  })
  setActivePinia(createPinia())
  const { useLiveStore } = (await import(LIVE_STORE)) as { useLiveStore(): LiveStore }
  const live = useLiveStore()
  const ran: string[] = []
  live.listen(['jobs'], () => ran.push('jobs'))
  live.listen(['masks'], () => ran.push('masks'))

  await live.follow(dir)
  assert.equal(live.connected, true)
  assert.equal(host.projects.changes.watching, 1)
  writeJob('a')
  await until(() => ran.length > 0, 2000, 'the jobs event')
  assert.deepEqual(ran, ['jobs'])

  await host.close()
  await until(() => live.lost, 2000, 'the page sees the connection drop')
  assert.equal(live.connected, false)
  ran.length = 0
  host = await startWebHost({ rendererDir: tmp, token, port })

  await until(() => live.connected, 5000, 'subscribed again on the new host')
  assert.equal(host.projects.changes.watching, 1)
  await until(() => ran.length === 2, 2000, 'every listener once')
  assert.deepEqual(ran.sort(), ['jobs', 'masks'])
  assert.equal(live.lost, false)

  ran.length = 0
  writeJob('b')
  await until(() => ran.length > 0, 2000, 'events from the new host')
  assert.deepEqual(ran, ['jobs'])

  // Following nothing, the page stops trying to reconnect once the host is gone.
  await live.follow(null)
  assert.equal(host.projects.changes.watching, 0)
})
