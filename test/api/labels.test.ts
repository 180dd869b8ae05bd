import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import Database from 'better-sqlite3'
import { dispatch } from '../../src-main/api/handlers.ts'
import type { ApiMethod, ApiParams, ApiResult } from '../../src-shared/contract.ts'
import { projectWithRoiSet } from '../helpers/roi-set.ts'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-api-labels-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

let nextId = 1
async function reply(method: ApiMethod, params: unknown) {
  return dispatch({ id: nextId++, method, params }, { transport: 'web', project: null })
}
async function call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
  const r = await reply(method, params)
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`)
  return r.result as ApiResult<M>
}

/** What another process sees in the database file: what was committed, nothing else. */
function committed(dir: string): Array<{ roi_id: number; annotator: string; value: string | null }> {
  const db = new Database(join(dir, 'activeem.sqlite'), { readonly: true })
  try {
    return db.prepare('SELECT roi_id, annotator, value FROM labels ORDER BY id').all() as never
  } finally {
    db.close()
  }
}

test('label.set replies after the commit; label.undo and labels.get see the same history', async () => {
  const dir = join(tmp, 'p')
  const { project, set } = projectWithRoiSet(dir, 6)
  project.close()
  const first = await call('label.set', { dir, set, roi: 3, value: 'correct', annotator: 'ana' })
  assert.deepEqual(committed(dir), [{ roi_id: 3, annotator: 'ana', value: 'correct' }])
  assert.deepEqual({ roi: first.roi, value: first.value }, { roi: 3, value: 'correct' })
  await call('label.set', { dir, set, roi: 4, value: 'incorrect', annotator: 'ana' })
  await call('label.set', { dir, set, roi: 4, value: 'correct', annotator: 'ben' })
  await call('label.set', { dir, set, roi: 3, value: 'incorrect', annotator: 'ben' })

  assert.deepEqual(await call('label.undo', { dir, set, annotator: 'ana' }), { roi: 4, value: null })
  const state = await call('labels.get', { dir, set, annotator: 'ana' })
  assert.deepEqual(state.mine, { 3: 'correct' })
  assert.deepEqual(state.majority, { 4: 'correct' }, 'ROI 3 is a tie: no majority')
  assert.deepEqual(state.annotators, ['ana', 'ben'])
  // The others' current labels, per ROI: ben's for ana; ana's for ben (her undone label of ROI 4 gone).
  assert.deepEqual(state.others, {
    3: [{ annotator: 'ben', value: 'incorrect' }],
    4: [{ annotator: 'ben', value: 'correct' }],
  })
  const bens = await call('labels.get', { dir, set, annotator: 'ben' })
  assert.deepEqual(bens.others, { 3: [{ annotator: 'ana', value: 'correct' }] })
  await call('label.set', { dir, set, roi: 3, value: 'unsure', annotator: 'cy' })
  assert.deepEqual((await call('labels.get', { dir, set, annotator: 'zoe' })).others[3], [
    { annotator: 'ana', value: 'correct' },
    { annotator: 'ben', value: 'incorrect' },
    { annotator: 'cy', value: 'unsure' },
  ])
  assert.equal(committed(dir).length, 6, 'the undo is a row of its own')
})

test('malformed or unknown label requests are rejected and write nothing', async () => {
  const dir = join(tmp, 'q')
  const { project, set } = projectWithRoiSet(dir, 2)
  project.close()
  const bad: Array<[ApiMethod, unknown, RegExp]> = [
    [
      'label.set',
      { dir, set, roi: 3, value: 'correct', annotator: 'ana' },
      /bad-input: ROI 3: not in proposal set/,
    ],
    ['label.set', { dir, set, roi: 1, value: 'yes', annotator: 'ana' }, /bad-request: .*'value'/],
    ['label.set', { dir, set, roi: 1, value: 'correct', annotator: '' }, /bad-request: .*'annotator'/],
    ['label.set', { dir, set, roi: 1, value: 'correct', annotator: 'ana', extra: 1 }, /bad-request/],
    ['label.set', { dir, set, roi: -1, value: 'correct', annotator: 'ana' }, /bad-request: .*'roi'/],
    ['label.undo', { dir, set: 99, annotator: 'ana' }, /bad-input: proposal set 99: no such set/],
    ['labels.get', { dir, set: 99, annotator: 'ana' }, /bad-input: proposal set 99: no such set/],
    ['labels.get', { dir: join(tmp, 'none'), set, annotator: 'ana' }, /bad-input: .*no such project folder/],
  ]
  for (const [method, params, expected] of bad) {
    const r = await reply(method, params)
    const text = r.ok ? '' : `${r.error.code}: ${r.error.message}`
    assert.match(text, expected, `${method} ${JSON.stringify(params)}`)
  }
  assert.deepEqual(committed(dir), [])
})

test('a retried label (the same request id) adds no row and gets the first reply; the id cannot relabel', async () => {
  const dir = join(tmp, 'retry')
  const { project, set } = projectWithRoiSet(dir, 4)
  project.close()
  const params = { dir, set, roi: 2, value: 'incorrect' as const, annotator: 'ana', requestId: 'c0ffee-0001' }
  const first = await call('label.set', params)
  const retried = await call('label.set', params)
  assert.deepEqual(retried, first)
  assert.deepEqual(committed(dir), [{ roi_id: 2, annotator: 'ana', value: 'incorrect' }])
  // A new id is a new judgement, even of the same value.
  await call('label.set', { ...params, requestId: 'c0ffee-0002' })
  assert.equal(committed(dir).length, 2)
  const reused = await reply('label.set', { ...params, value: 'correct' })
  assert.ok(!reused.ok && reused.error.code === 'bad-input', JSON.stringify(reused))
  assert.match(!reused.ok ? reused.error.message : '', /already used for another label/)
  const malformed = await reply('label.set', { ...params, requestId: 'no spaces allowed' })
  assert.ok(!malformed.ok && malformed.error.code === 'bad-request', JSON.stringify(malformed))
  assert.equal(committed(dir).length, 2)
})
