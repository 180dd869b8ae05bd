import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Majority } from '../../../src-main/engine/labels/index.ts'
import { propagateVerdicts, roiVotes, VERDICT_RULE } from '../../../src-main/engine/verdicts/index.ts'

const partition = (a: number[]): { assignment: Int32Array; clusters: number } => ({
  assignment: Int32Array.from(a),
  clusters: Math.max(...a) + 1,
})

test("one level: each cluster takes its answered members' majority; a tie or silence leaves the detection standing, or gives no verdict", () => {
  const fine = partition([0, 0, 0, 1, 1, 1, 2, 2])
  // Cluster 0: two no, one yes. Cluster 1: one yes, one no (a tie). Cluster 2: nobody answered.
  const answers = new Map([
    [0, false],
    [1, false],
    [2, true],
    [3, true],
    [4, false],
  ])
  const stands = propagateVerdicts({ fine }, answers, VERDICT_RULE)
  assert.equal(stands.level, 'subcluster', 'no first-stream clusters: one level')
  assert.deepEqual(stands.final, [
    'incorrect',
    'incorrect',
    'correct',
    'correct',
    'incorrect',
    'correct',
    'correct',
    'correct',
  ])
  assert.deepEqual(stands.propagated, [
    'incorrect',
    'incorrect',
    'incorrect',
    'correct',
    'correct',
    'correct',
    'correct',
    'correct',
  ])
  assert.deepEqual(stands.source, ['own', 'own', 'own', 'own', 'own', 'default', 'default', 'default'])
  const dropped = propagateVerdicts({ fine }, answers, { ...VERDICT_RULE, ties: 'no-verdict' })
  assert.deepEqual(dropped.final, [
    'incorrect',
    'incorrect',
    'correct',
    'correct',
    'incorrect',
    null,
    null,
    null,
  ])
  assert.deepEqual(dropped.source.slice(5), ['none', 'none', 'none'])
  assert.deepEqual(dropped.propagated.slice(3), [null, null, null, null, null])
})

test('two levels: the first-stream cluster decides, a tie there falls to the subcluster, a tie there leaves the detection', () => {
  // Subclusters 0-4; first-stream clusters {0, 1}, {2, 3} and {4}.
  const fine = partition([0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4])
  const first = partition([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2])
  // Cluster 0: one no (subcluster 0), two yes (subcluster 1): yes for all, subcluster 0 outvoted.
  // Cluster 1: one yes (subcluster 2), one no (subcluster 3): a tie, each subcluster keeps its answer.
  // Cluster 2: one yes, one no inside subcluster 4: tied at both levels.
  const answers = new Map([
    [0, false],
    [2, true],
    [3, true],
    [5, true],
    [7, false],
    [10, true],
    [11, false],
  ])
  const two = propagateVerdicts({ fine, first }, answers, VERDICT_RULE)
  assert.equal(two.level, 'first-stream')
  const bits = (v: ReadonlyArray<string | null>): number[] => v.map((x) => (x === 'correct' ? 1 : 0))
  assert.deepEqual(bits(two.final), [0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0])
  assert.deepEqual(two.source, [
    'own',
    'first-stream',
    'own',
    'own',
    'first-stream',
    'own',
    'subcluster',
    'own',
    'subcluster',
    'subcluster',
    'own',
    'own',
  ])
  assert.deepEqual(two.propagated.slice(10), ['correct', 'correct'], 'tied at both levels: the detection')
  const dropped = propagateVerdicts({ fine, first }, answers, { ...VERDICT_RULE, ties: 'no-verdict' })
  assert.deepEqual(dropped.propagated.slice(10), [null, null])
  assert.deepEqual(dropped.final.slice(0, 10), two.final.slice(0, 10), 'the tie policy only touches ties')

  const one = propagateVerdicts({ fine, first }, answers, { ...VERDICT_RULE, level: 'subcluster' })
  assert.equal(one.level, 'subcluster')
  assert.deepEqual(bits(one.final), [0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0])
  assert.equal(one.source[1], 'subcluster')
})

test("one vote per ROI: its annotators' majority when definite; ties and unsure-only ROIs give none", () => {
  const m = (value: Majority['value'], agreement: number, votes: number): Majority => ({
    value,
    agreement,
    votes,
  })
  const majorities = new Map([
    [1, m('correct', 1, 3)],
    [2, m('incorrect', 2 / 3, 3)],
    [3, m('unsure', 0.5, 2)],
    [4, m('unsure', 0, 0)],
  ])
  assert.deepEqual(
    [...roiVotes(majorities)],
    [
      [1, true],
      [2, false],
    ],
  )
})
