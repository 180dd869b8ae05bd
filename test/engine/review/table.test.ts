import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { tableCsv, TABLE_COLUMNS } from '../../../src-main/engine/export/index.ts'
import { setLabel, undoLabel } from '../../../src-main/engine/labels/index.ts'
import { roiTable } from '../../../src-main/engine/review/index.ts'
import { DB_FILE, Project, SCHEMA_VERSION } from '../../../src-main/engine/store/index.ts'
import { roundClusters, saveRound } from '../../../src-main/engine/suggest/index.ts'
import { propagateVerdicts, VERDICT_RULE } from '../../../src-main/engine/verdicts/index.ts'
import { projectWithRoiSet } from '../../helpers/roi-set.ts'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-review-table-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

test('without a round every ROI stands alone: its own majority, else correct as detected', () => {
  const { project, set } = projectWithRoiSet(join(tmp, 'alone'), 4)
  try {
    setLabel(project, set, 1, 'incorrect', 'ana')
    setLabel(project, set, 2, 'incorrect', 'ana')
    setLabel(project, set, 2, 'correct', 'ben') // tie: majority unsure
    setLabel(project, set, 3, 'unsure', 'ana')
    const t = roiTable(project, set)
    assert.equal(t.round, null)
    assert.equal(t.rule.level, 'subcluster')
    assert.deepEqual(
      t.rows.map((r) => [r.id, r.cluster, r.majority, r.agreement, r.votes, r.propagated, r.final, r.source]),
      [
        [1, null, 'incorrect', 1, 1, 'incorrect', 'incorrect', 'own'],
        [2, null, 'unsure', 0.5, 2, 'correct', 'correct', 'default'],
        [3, null, 'unsure', 0, 0, 'correct', 'correct', 'default'],
        [4, null, null, null, 0, 'correct', 'correct', 'default'],
      ],
    )
  } finally {
    project.close()
  }
})

/** Clusters {1,2,3} {4,5} {6,7} {8} of a strategy without a first stream. */
const flatRound = {
  strategy: 'random' as const,
  queries: [{ index: 0, cluster: 0, distance: 0 }],
  assignment: Int32Array.from([0, 0, 0, 1, 1, 2, 2, 3]),
  clusters: 4,
  notes: [],
}

test('with a round of one level each cluster takes its labelled ROIs majority, as the rule does', () => {
  const { project, set } = projectWithRoiSet(join(tmp, 'round'), 8)
  try {
    saveRound(project, set, [1, 2, 3, 4, 5, 6, 7, 8], flatRound, {})
    setLabel(project, set, 1, 'incorrect', 'ana')
    setLabel(project, set, 2, 'correct', 'ana')
    setLabel(project, set, 3, 'incorrect', 'ben') // cluster 0: 2 incorrect vs 1 correct
    setLabel(project, set, 4, 'incorrect', 'ana')
    setLabel(project, set, 5, 'correct', 'ana') // cluster 1: a tie keeps the detection
    setLabel(project, set, 6, 'incorrect', 'ana')
    undoLabel(project, set, 'ana') // ROI 6 unlabelled again: cluster 2 has no answer
    const t = roiTable(project, set)
    assert.deepEqual(t.round, { id: 1, number: 1 })
    assert.deepEqual([t.rule.level, t.rule.ties], ['subcluster', 'detection-stands'])
    assert.deepEqual(
      t.rows.map((r) => [r.id, r.cluster, r.first_stream, r.majority, r.propagated, r.final, r.source]),
      [
        [1, 0, null, 'incorrect', 'incorrect', 'incorrect', 'own'],
        [2, 0, null, 'correct', 'incorrect', 'correct', 'own'],
        [3, 0, null, 'incorrect', 'incorrect', 'incorrect', 'own'],
        [4, 1, null, 'incorrect', 'correct', 'incorrect', 'own'],
        [5, 1, null, 'correct', 'correct', 'correct', 'own'],
        [6, 2, null, null, 'correct', 'correct', 'default'],
        [7, 2, null, null, 'correct', 'correct', 'default'],
        [8, 3, null, null, 'correct', 'correct', 'default'],
      ],
    )
    const answers = new Map<number, boolean>()
    t.rows.forEach((r, i) => {
      if (r.majority === 'correct' || r.majority === 'incorrect') answers.set(i, r.majority === 'correct')
    })
    const expected = propagateVerdicts({ fine: flatRound }, answers, VERDICT_RULE)
    assert.deepEqual(
      t.rows.map((r) => r.final),
      expected.final,
    )
    const csv = tableCsv(t.rows).trim().split('\n')
    assert.equal(csv[0], TABLE_COLUMNS.join(','))
    assert.equal(csv[6], '6,0,0,20,2,2,22,0.5,0.5,20.5,8,0.9,1,2,,,,0,correct,correct,default')
  } finally {
    project.close()
  }
})

test('a project from before the first-stream column opens, migrates, and reads its table as before', () => {
  const dir = join(tmp, 'older')
  const made = projectWithRoiSet(dir, 8)
  const old = made.project.db
  // What schema 8 had and wrote: roi_clusters without the parent column, no volume_levels table (10),
  // no roi_masks table (11), no jobs.args column (12), no jobs.cwd column (13).
  old.exec('ALTER TABLE roi_clusters DROP COLUMN parent')
  old.exec('DROP TABLE volume_levels')
  old.exec('DROP TABLE roi_masks')
  old.exec('ALTER TABLE jobs DROP COLUMN args')
  old.exec('ALTER TABLE jobs DROP COLUMN cwd')
  old.pragma('user_version = 8')
  old
    .prepare(
      "INSERT INTO rounds (set_id, number, strategy, params, created_at) VALUES (?, 1, 'two-stream', '{}', 'then')",
    )
    .run(made.set)
  const c = old.prepare('INSERT INTO roi_clusters (round_id, roi_id, cluster) VALUES (1, ?, ?)')
  flatRound.assignment.forEach((cluster, i) => c.run(i + 1, cluster))
  setLabel(made.project, made.set, 1, 'incorrect', 'ana')
  setLabel(made.project, made.set, 3, 'incorrect', 'ana')
  setLabel(made.project, made.set, 2, 'correct', 'ana')
  setLabel(made.project, made.set, 4, 'incorrect', 'ana')
  made.project.close()

  const project = Project.open(dir)
  try {
    assert.equal(project.db.pragma('user_version', { simple: true }), SCHEMA_VERSION)
    assert.ok(roundClusters(project, 1).every((r) => r.parent === null))
    const t = roiTable(project, made.set)
    assert.equal(t.rule.level, 'subcluster', 'no first-stream clusters stored: one level, as before')
    assert.deepEqual(
      t.rows.map((r) => [r.id, r.final, r.source]),
      [
        [1, 'incorrect', 'own'],
        [2, 'correct', 'own'],
        [3, 'incorrect', 'own'],
        [4, 'incorrect', 'own'],
        [5, 'incorrect', 'subcluster'],
        [6, 'correct', 'default'],
        [7, 'correct', 'default'],
        [8, 'correct', 'default'],
      ],
    )
  } finally {
    project.close()
  }
  const db = new Database(join(dir, DB_FILE), { readonly: true })
  try {
    const columns = db.prepare('PRAGMA table_info(roi_clusters)').all() as Array<{ name: string }>
    assert.deepEqual(
      columns.map((x) => x.name),
      ['round_id', 'roi_id', 'cluster', 'parent'],
    )
  } finally {
    db.close()
  }
})
