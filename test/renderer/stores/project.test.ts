/**
 * The project store's open and create with a stand-in host whose replies are released by the test: the
 * folder asked for last is the one shown, and a folder that holds no project may be made one.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createPinia, setActivePinia } from 'pinia'
import type { ActiveEmBridge, ApiMethod, ApiParams } from '../../../src-shared/contract.ts'

/** Imported by a path the node type check does not follow: the stores are typed against the DOM lib. */
const PROJECT_STORE: string = '../../../src-renderer/src/stores/project.ts'

/** The part of the project store this test drives. */
interface ProjectStore {
  summary: { dir: string } | null
  loading: boolean
  creatable: boolean
  requested: string
  errors: string[]
  open(dir: string): Promise<void>
  create(dir: string): Promise<void>
}

/** project.show and project.create calls waiting for the test, by method and folder. */
const calls = new Map<string, { answer(): void; refuse(message: string): void }>()
const bridge: ActiveEmBridge = {
  call<M extends ApiMethod>(method: M, params: ApiParams<M>) {
    const { dir } = params as { dir: string }
    return new Promise((resolve, reject) => {
      calls.set(`${method} ${dir}`, {
        answer: () => resolve({ dir, volumes: [], jobs: [] } as never),
        refuse: (message) => reject(new Error(message)),
      })
    })
  },
}
Object.assign(globalThis, { window: { activeem: bridge, location: { search: '' } } })

async function projectStore(): Promise<ProjectStore> {
  setActivePinia(createPinia())
  const { useProjectStore } = (await import(PROJECT_STORE)) as { useProjectStore(): ProjectStore }
  calls.clear()
  return useProjectStore()
}

test('project store: an open answered after a later create is not shown', async () => {
  const store = await projectStore()
  const opening = store.open(' /p/old ')
  assert.equal(store.requested, '/p/old')
  const creating = store.create('/p/new')
  calls.get('project.create /p/new')!.answer()
  await creating
  assert.equal(store.summary?.dir, '/p/new')
  assert.equal(store.loading, false)
  calls.get('project.show /p/old')!.refuse('no such project folder: /p/old')
  await opening
  assert.equal(store.summary?.dir, '/p/new')
  assert.equal(store.creatable, false)
  assert.deepEqual(store.errors, [], 'the stale refusal is not reported')
})

test('project store: a folder without a project may be made one, and then opens', async () => {
  const store = await projectStore()
  const opening = store.open('/p/empty')
  assert.equal(store.loading, true)
  calls.get('project.show /p/empty')!.refuse('not an ActiveEM project: /p/empty')
  await opening
  assert.equal(store.loading, false)
  assert.equal(store.creatable, true)
  assert.deepEqual(store.errors, ['cannot open project: not an ActiveEM project: /p/empty'])

  const failing = store.create('/p/empty')
  calls.get('project.create /p/empty')!.refuse('the folder is not empty')
  await failing
  assert.equal(store.summary === null, true, 'no project is shown')
  assert.equal(store.errors.at(-1), 'cannot create a project in /p/empty: the folder is not empty')

  const creating = store.create('/p/empty')
  calls.get('project.create /p/empty')!.answer()
  await creating
  assert.equal(store.summary?.dir, '/p/empty')
  assert.equal(store.creatable, false)
  assert.deepEqual(store.errors, [], 'a project shown clears the banner')
})

test("project store: an error shows on the screen it was reported on only; a reload reopens the tab's last project", async () => {
  const stored = new Map<string, string>()
  Object.assign(globalThis, {
    sessionStorage: {
      getItem: (k: string) => stored.get(k) ?? null,
      setItem: (k: string, v: string) => void stored.set(k, v),
    },
  })
  try {
    const store = (await projectStore()) as ProjectStore & {
      reportError(message: string): void
      show(screen: string): void
      start(search?: string): Promise<void>
    }
    store.show('queries')
    store.reportError('cannot load thumbnails: gone')
    assert.deepEqual(store.errors, ['cannot load thumbnails: gone'])
    store.show('viewer')
    assert.deepEqual(store.errors, [], 'another screen does not show it')
    store.show('queries')
    assert.deepEqual(store.errors, ['cannot load thumbnails: gone'])

    const opening = store.open('/p/switched')
    calls.get('project.show /p/switched')!.answer()
    await opening
    assert.deepEqual(store.errors, [], 'a project shown clears every banner')

    // A reload: a fresh store, the host started with /p/host; the tab had switched to /p/switched.
    const again = (await projectStore()) as typeof store
    const realCall = bridge.call
    bridge.call = ((method: string, params: unknown) =>
      method === 'app.info'
        ? Promise.resolve({ project: '/p/host' })
        : realCall(method as never, params as never)) as typeof bridge.call
    try {
      const starting = again.start('')
      await new Promise((r) => setTimeout(r, 0))
      calls.get('project.show /p/switched')!.answer()
      await starting
      assert.equal(again.summary?.dir, '/p/switched')
    } finally {
      bridge.call = realCall
    }
  } finally {
    delete (globalThis as { sessionStorage?: unknown }).sessionStorage
  }
})
