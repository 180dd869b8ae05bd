import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { dispatch } from '../../src-main/api/handlers.ts'
import { ProjectConnections } from '../../src-main/api/project-connections.ts'
import type { Project } from '../../src-main/engine/store/index.ts'
import { startWebHost } from '../../src-main/web/server.ts'
import { openApiSocket } from '../helpers/api-socket.ts'
import { scopedTempDir } from '../helpers/peers.ts'
import { projectWithRoiSet } from '../helpers/roi-set.ts'

const tmp = scopedTempDir('api-connections')

/** What another process sees in the database file: what was committed, nothing else. */
function committed(dir: string): Array<{ roi_id: number; value: string; request_id: string | null }> {
  const db = new Database(join(dir, 'activeem.sqlite'), { readonly: true })
  try {
    return db.prepare('SELECT roi_id, value, request_id FROM labels ORDER BY id').all() as never
  } finally {
    db.close()
  }
}

test('the web host opens a project once for all its requests and closes it when it closes', async () => {
  const dir = join(tmp.dir, 'held')
  const { project: setup, set } = projectWithRoiSet(dir, 8)
  setup.close()
  const host = await startWebHost({ rendererDir: tmp.dir })
  let held: Project | undefined
  try {
    const api = await openApiSocket(host.port, host.token)
    for (let i = 0; i < 20; i++) {
      const params = {
        dir,
        set,
        roi: 1 + (i % 8),
        value: 'correct',
        annotator: 'ana',
        requestId: `held-${i}-0000`,
      }
      const r = await api.request('label.set', params)
      assert.ok(r.ok, JSON.stringify(r))
      // The reply came after the commit: another connection sees the row already.
      assert.equal(committed(dir).length, i + 1)
    }
    const get = await api.request('labels.get', { dir, set, annotator: 'ana' })
    assert.ok(get.ok, JSON.stringify(get))
    api.close()
    assert.equal(host.projects.opened, 1, 'one connection for every request')
    assert.equal(host.projects.size, 1)
    held = host.projects.use(dir, (project) => project)
    assert.equal(held.db.open, true)
  } finally {
    await host.close()
  }
  assert.equal(held.db.open, false, 'closing the host closed the connection')
  assert.equal(host.projects.size, 0)
  assert.throws(() => host.projects.use(dir, () => 0), /the host is closing/)
})

test('label.set requests in flight together are one transaction, and a bad one fails alone', async () => {
  const dir = join(tmp.dir, 'batch')
  const { project: setup, set } = projectWithRoiSet(dir, 20)
  setup.close()
  const projects = new ProjectConnections()
  try {
    const ctx = { transport: 'web' as const, project: null, projects }
    const label = (i: number, roi: number, requestId: string) =>
      dispatch(
        {
          id: i,
          method: 'label.set',
          params: { dir, set, roi, value: 'incorrect', annotator: 'ana', requestId },
        },
        ctx,
      )
    const before = projects.labels.commits
    const replies = await Promise.all([
      ...Array.from({ length: 14 }, (_, i) => label(i + 1, i + 1, `batch-${i}-0000`)),
      label(15, 1, 'batch-0-0000'), // a retry of the first, sent before its reply came
      label(16, 99, 'batch-99-0000'), // no such ROI
    ])
    assert.equal(projects.labels.commits - before, 1, 'sixteen labels, one commit')
    const bad = replies[15]!
    assert.ok(!bad.ok && bad.error.code === 'bad-input', JSON.stringify(bad))
    assert.match(!bad.ok ? bad.error.message : '', /ROI 99: not in proposal set/)
    const ok = replies.slice(0, 15).map((r) => {
      assert.ok(r.ok, JSON.stringify(r))
      return (r.result as { labelId: number }).labelId
    })
    assert.equal(ok[14], ok[0], 'the retry got the first label back')
    assert.equal(new Set(ok).size, 14)
    const rows = committed(dir)
    assert.equal(rows.length, 14)
    assert.deepEqual(
      rows.map((r) => r.request_id),
      Array.from({ length: 14 }, (_, i) => `batch-${i}-0000`),
    )
    assert.equal(projects.opened, 1)
  } finally {
    projects.close()
  }
})

test('a project deleted or replaced on disk is not served from its old connection', async () => {
  const dir = join(tmp.dir, 'moved')
  const { project: setup, set } = projectWithRoiSet(dir, 3)
  setup.close()
  const projects = new ProjectConnections()
  const ctx = { transport: 'web' as const, project: null, projects }
  const label = (requestId: string) =>
    dispatch(
      {
        id: 1,
        method: 'label.set',
        params: { dir, set, roi: 2, value: 'correct', annotator: 'ana', requestId },
      },
      ctx,
    )
  try {
    assert.ok((await label('moved-1-0000')).ok)
    rmSync(dir, { recursive: true, force: true })
    const gone = await label('moved-2-0000')
    assert.ok(!gone.ok && gone.error.code === 'bad-input', JSON.stringify(gone))
    assert.match(!gone.ok ? gone.error.message : '', /no such project folder/)
    assert.equal(projects.size, 0, 'the old connection was closed')

    // A new project in the same folder: the label goes to its database, not to the deleted file.
    projectWithRoiSet(dir, 3).project.close()
    assert.ok((await label('moved-3-0000')).ok)
    assert.deepEqual(committed(dir), [{ roi_id: 2, value: 'correct', request_id: 'moved-3-0000' }])
    assert.equal(projects.opened, 2)
  } finally {
    projects.close()
  }
})

test('a label then an undo and a read in flight together act in the order sent', async () => {
  const dir = join(tmp.dir, 'order')
  const { project: setup, set } = projectWithRoiSet(dir, 3)
  setup.close()
  const projects = new ProjectConnections()
  const ctx = { transport: 'web' as const, project: null, projects }
  const call = (id: number, method: string, params: object) =>
    dispatch({ id, method, params: { dir, set, annotator: 'ana', ...params } }, ctx)
  try {
    const [first, second, undo, get] = await Promise.all([
      call(1, 'label.set', { roi: 1, value: 'correct' }),
      call(2, 'label.set', { roi: 2, value: 'incorrect' }),
      call(3, 'label.undo', {}),
      call(4, 'labels.get', {}),
    ])
    assert.ok(first.ok && second.ok, JSON.stringify([first, second]))
    assert.deepEqual(
      undo.ok && undo.result,
      { roi: 2, value: null },
      'the undo took back the label before it',
    )
    assert.deepEqual(get.ok && (get.result as { mine: object }).mine, { 1: 'correct' })
  } finally {
    projects.close()
  }
})
