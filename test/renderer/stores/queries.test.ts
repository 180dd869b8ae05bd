/**
 * The query grid's stores against the real API handlers (an in-process window.activeem bridge): a
 * label.set or label.undo reply that arrives after the annotator changed belongs to the previous
 * annotator and must not show as the new one's label.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { createPinia, setActivePinia } from 'pinia'
import { dispatch } from '../../../src-main/api/handlers.ts'
import { saveRound } from '../../../src-main/engine/suggest/rounds.ts'
import { unwrapResponse, type ActiveEmBridge } from '../../../src-shared/contract.ts'
import { projectWithRoiSet } from '../../helpers/roi-set.ts'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-queries-store-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

/**
 * The real handlers; the reply to a method put on hold waits (the row is committed) until released.
 * With `queue` on, every reply waits for its own `next()`, in the order the calls came.
 */
function heldBridge(): {
  bridge: ActiveEmBridge
  hold(method: string): () => void
  queue: { on: boolean; next(): void }
} {
  const gates = new Map<string, Promise<void>>()
  const waiting: Array<() => void> = []
  const queue = { on: false, next: () => waiting.shift()?.() }
  let id = 1
  const bridge: ActiveEmBridge = {
    async call(method, params) {
      // The turn is taken when the call is made: replies may be ready in another order (a label waits for
      // its group commit, a ui.state.set does not).
      const turn = queue.on ? new Promise<void>((resolve) => waiting.push(resolve)) : null
      const reply = await dispatch({ id: id++, method, params }, { transport: 'ipc', project: null })
      await gates.get(method)
      await turn
      return unwrapResponse(method, reply)
    },
  }
  const hold = (method: string): (() => void) => {
    let open!: () => void
    gates.set(method, new Promise<void>((resolve) => (open = resolve)))
    return () => {
      gates.delete(method)
      open()
    }
  }
  return { bridge, hold, queue }
}

/** Imported by paths the node type check does not follow: the stores are typed against the DOM lib. */
const QUERIES_STORE: string = '../../../src-renderer/src/stores/queries.ts'
const LABELS_STORE: string = '../../../src-renderer/src/stores/labels.ts'

/** The parts of the stores this test drives. */
interface QueriesStore {
  setAnnotator(name: string): Promise<boolean>
  load(dir: string): Promise<void>
  undo(): Promise<void>
}
interface LabelsStore {
  mine: Map<number, string>
  pending: Map<number, string>
  label(roi: number, value: 'correct' | 'incorrect' | 'unsure'): Promise<void>
}

function installGlobals(bridge: ActiveEmBridge): void {
  const items = new Map<string, string>()
  Object.assign(globalThis, {
    window: { activeem: bridge, location: { protocol: 'file:', host: '', search: '' } },
    localStorage: {
      getItem: (k: string) => items.get(k) ?? null,
      setItem: (k: string, v: string) => void items.set(k, v),
    },
  })
}

test('queries store: a label or undo answered after the annotator changed is not shown as the new one', async () => {
  const dir = join(tmp, 'project')
  const { project, set } = projectWithRoiSet(dir, 3)
  saveRound(
    project,
    set,
    [1, 2, 3],
    {
      strategy: 'random',
      queries: [0, 1, 2].map((index) => ({ index, cluster: 0, distance: 0 })),
      assignment: Int32Array.from([0, 0, 0]),
      clusters: 1,
      notes: [],
    },
    {},
  )
  project.close()

  const { bridge, hold, queue } = heldBridge()
  installGlobals(bridge)
  setActivePinia(createPinia())
  const { useQueriesStore } = (await import(QUERIES_STORE)) as { useQueriesStore(): QueriesStore }
  const { useLabelsStore } = (await import(LABELS_STORE)) as { useLabelsStore(): LabelsStore }
  const store = useQueriesStore()
  const labels = useLabelsStore()
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50))
  assert.equal(await store.setAnnotator('alice'), true)
  await store.load(dir)
  await labels.label(1, 'incorrect')
  assert.deepEqual([...labels.mine], [[1, 'incorrect']])

  // label.set committed for alice, answered once bob is the annotator.
  let release = hold('label.set')
  const labelled = labels.label(2, 'correct')
  await settle()
  await store.setAnnotator('bob')
  assert.equal(labels.mine.size, 0, 'bob has no labels')
  release()
  await labelled
  assert.deepEqual([...labels.mine], [], "alice's late label does not show as bob's")

  // label.undo of alice's 3: incorrect -> correct, answered once bob is the annotator again.
  await store.setAnnotator('alice')
  await labels.label(3, 'correct')
  await labels.label(3, 'incorrect')
  release = hold('label.undo')
  const undone = store.undo()
  await settle()
  await store.setAnnotator('bob')
  release()
  await undone
  assert.deepEqual([...labels.mine], [], "alice's late undo does not show as bob's")
  assert.equal(labels.pending.size, 0)

  // Y N Y on one ROI, replies one by one: the ROI stays pending until the last label sent is answered.
  queue.on = true
  const sent = [labels.label(1, 'correct'), labels.label(1, 'incorrect'), labels.label(1, 'correct')]
  await settle()
  queue.next()
  await settle()
  assert.equal(labels.pending.get(1), 'correct', 'two labels of ROI 1 still unanswered: still pending')
  queue.next()
  await settle()
  assert.equal(labels.pending.get(1), 'correct')
  queue.next()
  await Promise.all(sent)
  assert.equal(labels.pending.has(1), false)
  assert.equal(labels.mine.get(1), 'correct')
})
