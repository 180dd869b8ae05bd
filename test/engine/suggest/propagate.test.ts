import assert from 'node:assert/strict'
import { test } from 'node:test'
import { accuracy, randomBaseline, suggestionVerdicts } from '../../../src-main/engine/suggest/index.ts'

test("simulate's labels: a suggestion's clusters under the project's rule; accuracy and the random baseline", () => {
  const assignment = Int32Array.from([0, 0, 0, 1, 1, 1, 2, 2])
  const answers = new Map([
    [0, false],
    [1, false],
    [2, true],
    [3, true],
  ])
  const flat = suggestionVerdicts({ assignment, clusters: 3 }, answers)
  assert.deepEqual(flat.final, [
    'incorrect',
    'incorrect',
    'correct',
    'correct',
    'correct',
    'correct',
    'correct',
    'correct',
  ])
  const truth = Uint8Array.from([0, 0, 1, 1, 0, 1, 1, 1])
  assert.equal(accuracy(flat, truth), 7 / 8)
  assert.equal(randomBaseline(0.6, 0.25), 0.7)
  // Two-stream's parents: clusters 0 and 1 under one first-stream cluster, whose two no against two
  // yes tie, so each subcluster keeps its own majority; with one more no the first stream decides.
  const parents = { assignment: Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1]), clusters: 2 }
  const two = suggestionVerdicts({ assignment, clusters: 3, parents }, answers)
  assert.equal(two.level, 'first-stream')
  assert.deepEqual(two.final, flat.final)
  const more = new Map([...answers, [5, false]])
  assert.deepEqual(suggestionVerdicts({ assignment, clusters: 3, parents }, more).final.slice(4), [
    'incorrect',
    'incorrect',
    'correct',
    'correct',
  ])
})
