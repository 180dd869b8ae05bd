/**
 * The live store with a stand-in host (the preload's bridge): following a project subscribes to it, an
 * event runs the listeners of its topics only, events of another project run nothing, a hidden page
 * runs a due listener once when it shows again, and the jobs store reads its list once per burst.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createPinia, setActivePinia } from 'pinia'
import type {
  ActiveEmBridge,
  ApiMethod,
  ApiParams,
  ProjectEvent,
  ProjectTopic,
} from '../../../src-shared/contract.ts'

/** Imported by paths the node type check does not follow: the stores are typed against the DOM lib. */
const LIVE_STORE: string = '../../../src-renderer/src/stores/live.ts'
const JOBS_STORE: string = '../../../src-renderer/src/stores/jobs.ts'

interface LiveStore {
  dir: string | null
  connected: boolean
  follow(dir: string | null): Promise<void>
  listen(topics: ProjectTopic[] | null, run: () => void, first?: () => void): () => void
}
interface JobsStore {
  jobs: Array<{ id: number }>
  watch(dir: string): void
  stop(): void
}

const sent: Array<{ method: string; params: unknown }> = []
/** jobs.list calls waiting for the test. */
const lists: Array<(ids: number[]) => void> = []
let push: ((event: ProjectEvent) => void) | null = null
const bridge: ActiveEmBridge = {
  call<M extends ApiMethod>(method: M, params: ApiParams<M>) {
    sent.push({ method, params })
    const reply = (value: unknown) => value as never
    if (method === 'events.subscribe') return Promise.resolve(reply({ dir: (params as { dir: string }).dir }))
    if (method === 'events.unsubscribe') return Promise.resolve(reply({ subscribed: false }))
    if (method === 'jobs.list')
      return new Promise((resolve) =>
        lists.push((ids) =>
          resolve(reply(ids.map((id) => ({ id, alive: false, updatedAt: '2026-01-01T00:00:00Z' })))),
        ),
      )
    return Promise.reject(new Error(`unexpected ${method}`))
  },
  onEvent(listener) {
    push = listener
    return () => (push = null)
  },
}
const visibility: Array<() => void> = []
const page = {
  hidden: false,
  addEventListener: (_type: string, listener: () => void) => void visibility.push(listener),
  removeEventListener() {},
}
Object.assign(globalThis, { window: { activeem: bridge, location: { search: '' } }, document: page })

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10))
const changed = (dir: string, ...topics: ProjectTopic[]): ProjectEvent => ({
  event: 'project.changed',
  dir,
  topics,
})

async function stores(): Promise<{ live: LiveStore; jobs: JobsStore }> {
  setActivePinia(createPinia())
  const { useLiveStore } = (await import(LIVE_STORE)) as { useLiveStore(): LiveStore }
  const { useJobsStore } = (await import(JOBS_STORE)) as { useJobsStore(): JobsStore }
  sent.length = 0
  lists.length = 0
  return { live: useLiveStore(), jobs: useJobsStore() }
}

test('live store: following a project subscribes to it; its events run the listeners of their topics', async () => {
  const { live } = await stores()
  await live.follow('/p/a')
  assert.deepEqual(sent, [{ method: 'events.subscribe', params: { dir: '/p/a' } }])
  assert.equal(live.connected, true)
  assert.ok(push, 'the store listens to the bridge')

  const ran: string[] = []
  live.listen(['jobs'], () => ran.push('jobs'))
  live.listen(['volumes', 'labels'], () => ran.push('volumes or labels'))
  const stopAll = live.listen(null, () => ran.push('any'))
  push!(changed('/p/a', 'jobs'))
  assert.deepEqual(ran, ['jobs', 'any'])
  ran.length = 0
  push!(changed('/p/a', 'labels', 'rounds'))
  assert.deepEqual(ran, ['volumes or labels', 'any'])
  ran.length = 0
  push!(changed('/p/b', 'jobs', 'volumes'))
  assert.deepEqual(ran, [], "another project's events run nothing")
  stopAll()
  push!(changed('/p/a', 'models'))
  assert.deepEqual(ran, [], 'a stopped listener does not run')

  await live.follow('/p/b')
  assert.deepEqual(sent.at(-1), { method: 'events.subscribe', params: { dir: '/p/b' } })
  push!(changed('/p/a', 'jobs'))
  assert.deepEqual(ran, [], 'the project followed before is no longer heard')
  await live.follow(null)
  assert.deepEqual(sent.at(-1), { method: 'events.unsubscribe', params: {} })
  assert.equal(live.connected, false)
})

test('live store: a hidden page runs a listener that came due once, when it shows again', async () => {
  const { live } = await stores()
  await live.follow('/p/a')
  let runs = 0
  live.listen(['jobs'], () => runs++)
  page.hidden = true
  push!(changed('/p/a', 'jobs'))
  push!(changed('/p/a', 'jobs'))
  assert.equal(runs, 0, 'nothing runs while hidden')
  page.hidden = false
  for (const listener of visibility) listener()
  assert.equal(runs, 1, 'once when shown, however many changes came')
  for (const listener of visibility) listener()
  assert.equal(runs, 1)
})

test('jobs store: the list is read when watched and on jobs changes, once more per burst, not on other topics', async () => {
  const { live, jobs } = await stores()
  await live.follow('/p/a')
  jobs.watch('/p/a')
  assert.equal(lists.length, 1, 'read when the screen shows')
  lists[0]!([1])
  await settle()
  assert.deepEqual(
    jobs.jobs.map((j) => j.id),
    [1],
  )

  push!(changed('/p/a', 'volumes', 'labels'))
  assert.equal(lists.length, 1, 'no read for changes of other topics')

  push!(changed('/p/a', 'jobs'))
  assert.equal(lists.length, 2)
  for (let i = 0; i < 5; i++) push!(changed('/p/a', 'jobs'))
  assert.equal(lists.length, 2, 'changes during an unanswered read wait for it')
  lists[1]!([1, 2])
  await settle()
  assert.equal(lists.length, 3, 'one more read after it, for all of them')
  lists[2]!([1, 2, 3])
  await settle()
  assert.deepEqual(
    jobs.jobs.map((j) => j.id),
    [1, 2, 3],
  )
  assert.equal(lists.length, 3)

  jobs.stop()
  push!(changed('/p/a', 'jobs'))
  assert.equal(lists.length, 3, 'nothing is read once the screen is gone')
})
