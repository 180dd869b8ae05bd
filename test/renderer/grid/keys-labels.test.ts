import assert from 'node:assert/strict'
import { test } from 'node:test'
import { actionOf, GRID_KEYS } from '../../../src-renderer/src/grid/keys.ts'
import {
  countLabels,
  keeps,
  restOfCluster,
  toggled,
  type LabelChoice,
} from '../../../src-renderer/src/grid/labels.ts'

test('keys: arrows move, Y/N/1/2/3 label, space toggles, U undoes, Shift-A accepts the cluster', () => {
  assert.deepEqual(actionOf({ key: 'ArrowDown' }), { kind: 'move', direction: 'down' })
  assert.deepEqual(actionOf({ key: 'ArrowLeft' }), { kind: 'move', direction: 'left' })
  assert.deepEqual(actionOf({ key: 'End' }), { kind: 'move', direction: 'end' })
  for (const key of ['y', 'Y', '1']) assert.deepEqual(actionOf({ key }), { kind: 'label', value: 'correct' })
  for (const key of ['n', 'N', '2'])
    assert.deepEqual(actionOf({ key }), { kind: 'label', value: 'incorrect' })
  assert.deepEqual(actionOf({ key: '3' }), { kind: 'label', value: 'unsure' })
  assert.deepEqual(actionOf({ key: ' ' }), { kind: 'toggle' })
  assert.deepEqual(actionOf({ key: 'u' }), { kind: 'undo' })
  assert.deepEqual(actionOf({ key: 'A', shiftKey: true }), { kind: 'accept-cluster' })
  assert.deepEqual(actionOf({ key: 'Enter' }), { kind: 'open-viewer' })
})

test('keys: PgDn/PgUp move by cluster, Z shows the slices around the focused ROI, Esc hides them', () => {
  assert.deepEqual(actionOf({ key: 'PageDown' }), { kind: 'move', direction: 'next-cluster' })
  assert.deepEqual(actionOf({ key: 'PageUp' }), { kind: 'move', direction: 'previous-cluster' })
  for (const key of ['z', 'Z']) assert.deepEqual(actionOf({ key }), { kind: 'slices' })
  assert.deepEqual(actionOf({ key: 'Escape' }), { kind: 'hide-slices' })
  assert.equal(actionOf({ key: 'z', ctrlKey: true }), null)
})

test("keys: a plain a, chords, F-keys and ? are not the grid's", () => {
  assert.equal(actionOf({ key: 'a' }), null)
  assert.equal(actionOf({ key: 'z', ctrlKey: true }), null)
  assert.equal(actionOf({ key: 'y', metaKey: true }), null)
  assert.equal(actionOf({ key: 'ArrowDown', altKey: true }), null)
  assert.equal(actionOf({ key: 'F3' }), null)
  assert.equal(actionOf({ key: '?', shiftKey: true }), null)
})

test('the help lists every key the grid reacts to', () => {
  const listed = new Set(GRID_KEYS.flatMap((k) => k.keys))
  for (const key of [
    'Y',
    '1',
    'N',
    '2',
    '3',
    'Space',
    'U',
    'Shift+A',
    'Enter',
    'PgDn',
    'PgUp',
    'Z',
    'Esc',
    'Home',
    'End',
    '←',
    '→',
    '↑',
    '↓',
  ])
    assert.ok(listed.has(key), `${key} is in the help`)
})

test('toggle: correct <-> incorrect, unlabelled and unsure become correct', () => {
  assert.equal(toggled(undefined), 'correct')
  assert.equal(toggled('correct'), 'incorrect')
  assert.equal(toggled('incorrect'), 'correct')
  assert.equal(toggled('unsure'), 'correct')
})

test('filters and counts per cluster and overall; Shift-A takes the unlabelled of one cluster', () => {
  const queries = [
    { roi: 1, cluster: 0 },
    { roi: 2, cluster: 0 },
    { roi: 3, cluster: 0 },
    { roi: 4, cluster: 5 },
    { roi: 5, cluster: 5 },
  ]
  const labels = new Map<number, LabelChoice>([
    [1, 'correct'],
    [3, 'unsure'],
    [4, 'incorrect'],
  ])
  const labelOf = (roi: number) => labels.get(roi)
  const { clusters, overall } = countLabels(queries, labelOf)
  assert.deepEqual(overall, { total: 5, correct: 1, incorrect: 1, unsure: 1, unlabelled: 2 })
  assert.deepEqual(clusters.get(0), { total: 3, correct: 1, incorrect: 0, unsure: 1, unlabelled: 1 })
  assert.deepEqual(clusters.get(5), { total: 2, correct: 0, incorrect: 1, unsure: 0, unlabelled: 1 })
  assert.deepEqual(restOfCluster(queries, 0, labelOf), [2])
  assert.deepEqual(restOfCluster(queries, 5, labelOf), [5])
  assert.ok(keeps('all', 'correct') && keeps('all', undefined))
  assert.ok(keeps('unlabelled', undefined) && !keeps('unlabelled', 'unsure'))
  assert.ok(keeps('incorrect', 'incorrect') && !keeps('incorrect', 'correct') && !keeps('correct', undefined))
})
