import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { roiTable, tableCsv, TABLE_COLUMNS } from '../../../src-main/engine/export/index.ts'
import { setLabel, undoLabel } from '../../../src-main/engine/labels/index.ts'
import { propagate, saveRound } from '../../../src-main/engine/suggest/index.ts'
import { projectWithRoiSet } from '../../helpers/roi-set.ts'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-export-table-'))
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
    assert.deepEqual(
      t.rows.map((r) => [r.id, r.cluster, r.majority, r.agreement, r.votes, r.propagated, r.final]),
      [
        [1, null, 'incorrect', 1, 1, 'incorrect', 'incorrect'],
        [2, null, 'unsure', 0.5, 2, 'correct', 'correct'],
        [3, null, 'unsure', 0, 0, 'correct', 'correct'],
        [4, null, null, null, 0, 'correct', 'correct'],
      ],
    )
  } finally {
    project.close()
  }
})

test('with a round each cluster takes its labelled ROIs majority; the final label agrees with propagate()', () => {
  const { project, set } = projectWithRoiSet(join(tmp, 'round'), 8)
  try {
    // Clusters: {1,2,3} {4,5} {6,7} {8}
    const assignment = Int32Array.from([0, 0, 0, 1, 1, 2, 2, 3])
    saveRound(
      project,
      set,
      [1, 2, 3, 4, 5, 6, 7, 8],
      {
        strategy: 'random',
        queries: [{ index: 0, cluster: 0, distance: 0 }],
        assignment,
        clusters: 4,
        notes: [],
      },
      {},
    )
    setLabel(project, set, 1, 'incorrect', 'ana')
    setLabel(project, set, 2, 'correct', 'ana')
    setLabel(project, set, 3, 'incorrect', 'ben') // cluster 0: 2 incorrect vs 1 correct
    setLabel(project, set, 4, 'incorrect', 'ana')
    setLabel(project, set, 5, 'correct', 'ana') // cluster 1: a tie keeps the detection
    setLabel(project, set, 6, 'incorrect', 'ana')
    undoLabel(project, set, 'ana') // ROI 6 unlabelled again: cluster 2 has no answer
    const t = roiTable(project, set)
    assert.deepEqual(t.round, { id: 1, number: 1 })
    assert.deepEqual(
      t.rows.map((r) => [r.id, r.cluster, r.majority, r.propagated, r.final]),
      [
        [1, 0, 'incorrect', 'incorrect', 'incorrect'],
        [2, 0, 'correct', 'incorrect', 'correct'],
        [3, 0, 'incorrect', 'incorrect', 'incorrect'],
        [4, 1, 'incorrect', 'correct', 'incorrect'],
        [5, 1, 'correct', 'correct', 'correct'],
        [6, 2, null, 'correct', 'correct'],
        [7, 2, null, 'correct', 'correct'],
        [8, 3, null, 'correct', 'correct'],
      ],
    )
    const answers = new Map<number, boolean>()
    t.rows.forEach((r, i) => {
      if (r.majority === 'correct' || r.majority === 'incorrect') answers.set(i, r.majority === 'correct')
    })
    const expected = propagate({ assignment, clusters: 4 }, answers)
    assert.deepEqual(
      t.rows.map((r) => (r.final === 'correct' ? 1 : 0)),
      [...expected],
    )
    const csv = tableCsv(t.rows).trim().split('\n')
    assert.equal(csv[0], TABLE_COLUMNS.join(','))
    assert.equal(csv[6], '6,0,0,20,2,2,22,0.5,0.5,20.5,8,0.9,1,2,,,0,correct,correct')
  } finally {
    project.close()
  }
})
