/**
 * The one rule for an unfinished round (labels/round-progress.ts), on a real project: per round the
 * answered queries (a majority; unsure counts, a tie does not), the current round, the refusal and
 * rounds.list, which the grid's round picker and the Suggest question read.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { dispatch } from '../../../src-main/api/handlers.ts'
import {
  refuseUnfinishedRound,
  roundsProgress,
  setLabel,
  unfinishedRound,
} from '../../../src-main/engine/labels/index.ts'
import type { Project } from '../../../src-main/engine/store/index.ts'
import { saveRound } from '../../../src-main/engine/suggest/index.ts'
import { unwrapResponse } from '../../../src-shared/contract.ts'
import { projectWithRoiSet } from '../../helpers/roi-set.ts'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-round-progress-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

/** A round of the set asking `rois` (ids 1..n of a set of n), one cluster. */
function ask(project: Project, set: number, n: number, rois: number[]): number {
  return saveRound(
    project,
    set,
    Array.from({ length: n }, (_, i) => i + 1),
    {
      strategy: 'random',
      queries: rois.map((roi) => ({ index: roi - 1, cluster: 0, distance: 0 })),
      assignment: new Int32Array(n),
      clusters: 1,
      notes: [],
    },
    {},
  ).id
}

test('a round is unfinished while a query has no majority; unsure counts, a tie does not', async () => {
  const dir = join(tmp, 'p')
  const { project, set } = projectWithRoiSet(dir, 8)
  try {
    assert.equal(unfinishedRound(project), null, 'no round yet')
    const one = ask(project, set, 8, [1, 2, 3, 4])
    assert.deepEqual(
      roundsProgress(project).map((r) => [r.id, r.number, r.labelled, r.queries]),
      [[one, 1, 0, 4]],
    )
    assert.throws(
      () => refuseUnfinishedRound(project, false),
      /^InputError: round 1 of proposal set 1 has 4 of 4 queries unlabelled; .* pass --force/,
    )
    refuseUnfinishedRound(project, true)

    setLabel(project, set, 1, 'correct', 'ana', one)
    setLabel(project, set, 2, 'unsure', 'ana', one)
    // A tie: someone must break it.
    setLabel(project, set, 3, 'correct', 'ana', one)
    setLabel(project, set, 3, 'incorrect', 'bo', one)
    assert.equal(unfinishedRound(project)?.labelled, 2)
    assert.throws(() => refuseUnfinishedRound(project, false), /has 2 of 4 queries unlabelled/)

    setLabel(project, set, 3, 'incorrect', 'cy', one)
    setLabel(project, set, 4, 'incorrect', 'ana', one)
    assert.equal(unfinishedRound(project), null)
    refuseUnfinishedRound(project, false)

    // Round 2, half labelled: the current round; round 1 stays listed with its own progress.
    const two = ask(project, set, 8, [5, 6, 7, 8])
    setLabel(project, set, 5, 'correct', 'ana', two)
    setLabel(project, set, 6, 'correct', 'ana', two)
    assert.deepEqual(
      roundsProgress(project).map((r) => [r.number, r.labelled, r.queries]),
      [
        [1, 4, 4],
        [2, 2, 4],
      ],
    )
    assert.throws(() => refuseUnfinishedRound(project, false), /^InputError: round 2 .* 2 of 4 queries/)
  } finally {
    project.close()
  }

  const reply = await dispatch(
    { id: 1, method: 'rounds.list', params: { dir } },
    { transport: 'ipc', project: null },
  )
  const overview = unwrapResponse('rounds.list', reply)
  assert.deepEqual(
    overview.rounds.map((r) => [r.number, r.setId, r.labelled, r.queries, r.strategy]),
    [
      [1, 1, 4, 4, 'random'],
      [2, 1, 2, 4, 'random'],
    ],
  )
  assert.equal(overview.current, overview.rounds[1]!.id)
  assert.deepEqual(overview.next, { setId: 1, number: 3 })
})
