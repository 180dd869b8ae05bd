/** roi.mask and roi.mask.edit over the API: the proposal's own mask, a saved version, undo and redo, bad input. */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import Database from 'better-sqlite3'
import { dispatch } from '../../src-main/api/handlers.ts'
import { proposalSet, roisOf } from '../../src-main/engine/proposals/index.ts'
import { Project } from '../../src-main/engine/store/index.ts'
import type { ApiMethod, ApiParams, ApiResult } from '../../src-shared/contract.ts'
import { boxSetProject } from '../helpers/box-set.ts'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-api-masks-'))
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

const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'))

test('roi.mask: the proposal mask, then each saved version; undo and redo step between them as rows', async () => {
  mkdirSync(join(tmp, 'box'))
  const made = await boxSetProject(join(tmp, 'box'))
  const dir = made.project
  const project = Project.open(dir)
  const set = proposalSet(project)!.id
  const roi = roisOf(project, set)[0]!
  project.close()
  const own = await call('roi.mask', { dir, set, roi: roi.id })
  assert.deepEqual(own.box, [roi.z0, roi.y0, roi.x0, roi.z1, roi.y1, roi.x1])
  const original = bytes(own.mask)
  assert.equal(original.length, (roi.z1 - roi.z0) * (roi.y1 - roi.y0) * (roi.x1 - roi.x0))
  assert.equal(
    original.reduce((a, v) => a + v, 0),
    roi.voxels,
    'the proposal mask holds the ROI voxels',
  )
  assert.deepEqual([own.version, own.canUndo, own.canRedo], [null, false, false])

  const edited = new Uint8Array(original)
  edited.fill(0, 0, 10)
  const saved = await call('roi.mask.edit', {
    dir,
    set,
    roi: roi.id,
    annotator: 'ana',
    action: 'save',
    mask: Buffer.from(edited).toString('base64'),
  })
  assert.deepEqual(bytes(saved.mask), edited)
  assert.deepEqual([saved.versions, saved.canUndo, saved.canRedo], [1, true, false])
  const undone = await call('roi.mask.edit', { dir, set, roi: roi.id, annotator: 'ana', action: 'undo' })
  assert.deepEqual(bytes(undone.mask), original)
  assert.equal(undone.canRedo, true)
  const redone = await call('roi.mask.edit', { dir, set, roi: roi.id, annotator: 'ana', action: 'redo' })
  assert.deepEqual(bytes(redone.mask), edited)
  assert.deepEqual(bytes((await call('roi.mask', { dir, set, roi: roi.id })).mask), edited)

  const db = new Database(join(dir, 'activeem.sqlite'), { readonly: true })
  try {
    assert.deepEqual(db.prepare('SELECT action, annotator FROM roi_masks ORDER BY id').all(), [
      { action: 'edit', annotator: 'ana' },
      { action: 'undo', annotator: 'ana' },
      { action: 'redo', annotator: 'ana' },
    ])
  } finally {
    db.close()
  }

  const bad = await reply('roi.mask.edit', { dir, set, roi: roi.id, annotator: 'ana', action: 'save' })
  assert.ok(!bad.ok && bad.error.code === 'bad-request', 'save without a mask is refused')
  const nothing = await reply('roi.mask.edit', { dir, set, roi: roi.id, annotator: 'ana', action: 'redo' })
  assert.ok(!nothing.ok && /nothing to redo/.test(nothing.error.message))
  const wrong = await reply('roi.mask.edit', {
    dir,
    set,
    roi: roi.id,
    annotator: 'ana',
    action: 'save',
    mask: Buffer.from(new Uint8Array(3)).toString('base64'),
  })
  assert.ok(!wrong.ok && /does not cover its box/.test(wrong.error.message))
})
