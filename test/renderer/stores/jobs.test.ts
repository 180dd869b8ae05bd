/**
 * The jobs store with a stand-in host whose jobs.list replies are released by the test, in any order: a
 * list answered after a later one (a poll overtaken by the refresh after a start, or the previous
 * project's) is never shown.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createPinia, setActivePinia } from 'pinia'
import type { ActiveEmBridge, ApiMethod, ApiParams } from '../../../src-shared/contract.ts'

/** Imported by a path the node type check does not follow: the stores are typed against the DOM lib. */
const JOBS_STORE: string = '../../../src-renderer/src/stores/jobs.ts'

/** The part of the jobs store this test drives. */
interface JobsStore {
  jobs: Array<{ id: number }>
  error: string | null
  refresh(): Promise<void>
  watch(dir: string): void
  stop(): void
  start(kind: 'train', args: string[]): Promise<{ pid: number }>
}

/** A jobs.list call waiting for the test: `answer(ids)` replies with jobs of those ids. */
interface ListCall {
  dir: string
  answer(ids: number[]): void
}

const lists: ListCall[] = []
let started = 0
const bridge: ActiveEmBridge = {
  call<M extends ApiMethod>(method: M, params: ApiParams<M>) {
    const reply = (value: unknown) => value as never
    if (method === 'jobs.list') {
      const { dir } = params as ApiParams<'jobs.list'>
      return new Promise((resolve) => {
        const job = (id: number) => ({ id, alive: false, updatedAt: '2026-01-01T00:00:00Z' })
        lists.push({ dir, answer: (ids) => resolve(reply(ids.map(job))) })
      })
    }
    if (method === 'job.start') return Promise.resolve(reply({ pid: 1000 + ++started }))
    return Promise.reject(new Error(`unexpected ${method}`))
  },
}

Object.assign(globalThis, {
  window: { activeem: bridge, location: { search: '' } },
  // Hidden: watch() sends nothing by itself and starts no timer; the test sends every request.
  document: { hidden: true, addEventListener() {}, removeEventListener() {} },
})

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10))

async function jobsStore(): Promise<JobsStore> {
  setActivePinia(createPinia())
  const { useJobsStore } = (await import(JOBS_STORE)) as { useJobsStore(): JobsStore }
  lists.length = 0
  return useJobsStore()
}

test('jobs store: a list answered after a later one is not shown', async () => {
  const store = await jobsStore()
  store.watch('/p')
  const first = store.refresh()
  const second = store.refresh()
  await settle()
  assert.equal(lists.length, 2, 'a refresh is sent even while an earlier one is unanswered')
  lists[1]!.answer([1, 2])
  await second
  lists[0]!.answer([1])
  await first
  assert.deepEqual(
    store.jobs.map((j) => j.id),
    [1, 2],
  )
  store.stop()
})

test('jobs store: the list after a start shows the new job, whatever an earlier poll answers', async () => {
  const store = await jobsStore()
  store.watch('/p')
  const poll = store.refresh()
  const start = store.start('train', [])
  await settle()
  assert.equal(lists.length, 2, 'the refresh after the start does not wait for the poll')
  lists[1]!.answer([1, 2])
  assert.deepEqual(await start, { pid: 1001 })
  assert.deepEqual(
    store.jobs.map((j) => j.id),
    [1, 2],
  )
  lists[0]!.answer([1])
  await poll
  assert.deepEqual(
    store.jobs.map((j) => j.id),
    [1, 2],
    'the poll sent before the start is stale',
  )
  store.stop()
})

test("jobs store: the previous project's list, answered after the switch, is not shown", async () => {
  const store = await jobsStore()
  store.watch('/a')
  const before = store.refresh()
  await settle()
  store.watch('/b')
  lists[0]!.answer([7])
  await before
  assert.deepEqual([...store.jobs], [], "project a's jobs do not show in project b")
  const after = store.refresh()
  await settle()
  assert.equal(lists[1]!.dir, '/b')
  lists[1]!.answer([3])
  await after
  assert.deepEqual(
    store.jobs.map((j) => j.id),
    [3],
  )
  store.stop()
})
