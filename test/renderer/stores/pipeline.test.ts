/**
 * The pipeline store with a stand-in host: Run sends the card's typed fields and advanced flags as
 * they are and shows the command line or the refusal; cards of a project no longer watched are dropped.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createPinia, setActivePinia } from 'pinia'
import type { ActiveEmBridge, ApiMethod, ApiParams } from '../../../src-shared/contract.ts'

/** Imported by a path the node type check does not follow: the stores are typed against the DOM lib. */
const PIPELINE_STORE: string = '../../../src-renderer/src/stores/pipeline.ts'

interface PipelineStore {
  cards: Array<{ step: string }>
  results: Record<string, { ok: boolean; text: string } | undefined>
  starting: string | null
  watch(dir: string): void
  stop(): void
  run(step: string, fields: Record<string, unknown>, advanced: string[]): Promise<unknown>
}

const sent: Array<{ method: string; params: unknown }> = []
const pending = new Map<string, { answer(value: unknown): void; refuse(message: string): void }>()
const bridge: ActiveEmBridge = {
  call<M extends ApiMethod>(method: M, params: ApiParams<M>) {
    sent.push({ method, params })
    const { dir } = params as { dir: string }
    return new Promise((resolve, reject) => {
      pending.set(`${method} ${dir}`, {
        answer: (value) => resolve(value as never),
        refuse: (message) => reject(new Error(message)),
      })
    })
  },
}
Object.assign(globalThis, {
  window: { activeem: bridge, location: { search: '' } },
  document: { hidden: false },
})

async function pipelineStore(): Promise<PipelineStore> {
  setActivePinia(createPinia())
  const { usePipelineStore } = (await import(PIPELINE_STORE)) as { usePipelineStore(): PipelineStore }
  sent.length = 0
  pending.clear()
  return usePipelineStore()
}

const card = (step: string): { step: string } => ({ step })

test('pipeline store: Run sends the typed fields and the advanced flags, and shows the answer', async () => {
  const store = await pipelineStore()
  store.watch('/p/a')
  pending.get('pipeline.get /p/a')!.answer([card('project'), card('train')])
  await new Promise((r) => setImmediate(r))
  assert.deepEqual(
    store.cards.map((c) => c.step),
    ['project', 'train'],
  )

  const fields = { task: 'mito', raw: '/d/v.h5#raw', labels: '/d/v.h5#labels/mito', iterations: 20 }
  const running = store.run('train', fields, ['--seed', '2'])
  assert.equal(store.starting, 'train')
  const call = sent.find((s) => s.method === 'pipeline.run')!
  assert.deepEqual(call.params, { dir: '/p/a', step: 'train', fields, advanced: ['--seed', '2'] })
  pending.get('pipeline.run /p/a')!.answer({ pid: 42, args: ['--task', 'mito', '--seed', '2'], out: null })
  await new Promise((r) => setImmediate(r))
  pending.get('pipeline.get /p/a')!.answer([card('project'), card('train')])
  await running
  assert.equal(store.starting, null)
  assert.deepEqual(store.results.train, {
    ok: true,
    text: 'started activeem train --task mito --seed 2 (process 42)',
  })

  // A refusal is the card's, in the host's words.
  const refused = store.run('predict', { raw: 'x' }, [])
  pending.get('pipeline.run /p/a')!.refuse("pipeline.run predict: the field 'model' is required")
  await refused
  assert.deepEqual(store.results.predict, {
    ok: false,
    text: "pipeline.run predict: the field 'model' is required",
  })
  store.stop()
})

test('pipeline store: the cards of a project no longer watched are never shown', async () => {
  const store = await pipelineStore()
  store.watch('/p/old')
  const old = pending.get('pipeline.get /p/old')!
  store.watch('/p/new')
  pending.get('pipeline.get /p/new')!.answer([card('volumes')])
  await new Promise((r) => setImmediate(r))
  old.answer([card('export')])
  await new Promise((r) => setImmediate(r))
  assert.deepEqual(
    store.cards.map((c) => c.step),
    ['volumes'],
  )
  store.stop()
})
