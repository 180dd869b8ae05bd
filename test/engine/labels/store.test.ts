import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { InputError } from '../../../src-main/engine/errors.ts'
import {
  currentLabels,
  labelHistory,
  majorityLabels,
  setLabel,
  undoLabel,
} from '../../../src-main/engine/labels/index.ts'
import type { Project } from '../../../src-main/engine/store/index.ts'
import { projectWithRoiSet } from '../../helpers/roi-set.ts'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-labels-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

function projectWithSet(name: string): { project: Project; set: number } {
  return projectWithRoiSet(join(tmp, name))
}

function mine(project: Project, set: number, annotator: string): Record<number, string> {
  return Object.fromEntries(currentLabels(project, set).get(annotator) ?? [])
}

test('each judgement is its own row; the latest is the current label', () => {
  const { project, set } = projectWithSet('rows')
  try {
    setLabel(project, set, 1, 'correct', 'ana')
    setLabel(project, set, 1, 'incorrect', 'ana')
    setLabel(project, set, 2, 'unsure', 'ana')
    assert.deepEqual(mine(project, set, 'ana'), { 1: 'incorrect', 2: 'unsure' })
    const history = labelHistory(project, set)
    assert.deepEqual(
      history.map((r) => [r.roi, r.annotator, r.value, r.undoOf]),
      [
        [1, 'ana', 'correct', null],
        [1, 'ana', 'incorrect', null],
        [2, 'ana', 'unsure', null],
      ],
    )
    assert.ok(
      history.every((r) => !Number.isNaN(Date.parse(r.at))),
      'every row is timestamped',
    )
  } finally {
    project.close()
  }
})

test('undo appends a row restoring the previous value, walks back one judgement per call, and never deletes', () => {
  const { project, set } = projectWithSet('undo')
  try {
    setLabel(project, set, 1, 'correct', 'ana')
    setLabel(project, set, 2, 'correct', 'ana')
    setLabel(project, set, 1, 'incorrect', 'ana')
    setLabel(project, set, 3, 'correct', 'ben') // another annotator's work is not touched by ana's undo

    assert.deepEqual(
      { roi: undoLabel(project, set, 'ana')?.roi, value: mine(project, set, 'ana')[1] },
      { roi: 1, value: 'correct' },
    )
    const second = undoLabel(project, set, 'ana')
    assert.equal(second?.roi, 2)
    assert.equal(second?.value, null, 'ROI 2 had no label before')
    assert.deepEqual(mine(project, set, 'ana'), { 1: 'correct' })
    assert.equal(undoLabel(project, set, 'ana')?.roi, 1)
    assert.deepEqual(mine(project, set, 'ana'), {})
    assert.equal(undoLabel(project, set, 'ana'), null, 'nothing left to undo')
    assert.deepEqual(mine(project, set, 'ben'), { 3: 'correct' })

    // A label after undos is undone first, then the walk continues where it stopped (nothing left here).
    setLabel(project, set, 4, 'incorrect', 'ana')
    assert.equal(undoLabel(project, set, 'ana')?.roi, 4)
    assert.equal(undoLabel(project, set, 'ana'), null)
    assert.equal(labelHistory(project, set).length, 9, '5 judgements + 4 undo rows, none deleted')
  } finally {
    project.close()
  }
})

test('majority over annotators: unsure is no vote, a tie is unsure, agreement is the majority share', () => {
  const { project, set } = projectWithSet('majority')
  try {
    const votes: Array<[number, string, 'correct' | 'incorrect' | 'unsure']> = [
      [1, 'ana', 'correct'],
      [1, 'ben', 'correct'],
      [1, 'cy', 'incorrect'],
      [2, 'ana', 'incorrect'],
      [2, 'ben', 'correct'],
      [3, 'ana', 'unsure'],
      [4, 'ana', 'incorrect'],
      [4, 'ben', 'unsure'],
    ]
    for (const [roi, who, value] of votes) setLabel(project, set, roi, value, who)
    const majority = majorityLabels(currentLabels(project, set))
    assert.deepEqual(majority.get(1), { value: 'correct', agreement: 2 / 3, votes: 3 })
    assert.deepEqual(majority.get(2), { value: 'unsure', agreement: 0.5, votes: 2 })
    assert.deepEqual(majority.get(3), { value: 'unsure', agreement: 0, votes: 0 })
    assert.deepEqual(majority.get(4), { value: 'incorrect', agreement: 1, votes: 1 })
    assert.equal(majority.has(5), false)
  } finally {
    project.close()
  }
})

test('bad input is refused and nothing is written', () => {
  const { project, set } = projectWithSet('bad')
  try {
    assert.throws(
      () => setLabel(project, set, 99, 'correct', 'ana'),
      (e: unknown) => {
        return e instanceof InputError && /ROI 99: not in proposal set 1 \(5 ROIs\)/.test(e.message)
      },
    )
    assert.throws(() => setLabel(project, set + 1, 1, 'correct', 'ana'), /proposal set 2: no such set/)
    for (const name of ['', 'a b', '-x', 'x'.repeat(65), 'ä']) {
      assert.throws(() => setLabel(project, set, 1, 'correct', name), /annotator .*expected 1-64 letters/)
    }
    assert.throws(
      () => setLabel(project, set, 1, 'maybe' as 'correct', 'ana'),
      /label 'maybe': expected one of correct, incorrect, unsure/,
    )
    assert.throws(
      () => setLabel(project, set, 1, 'correct', 'ana', 42),
      /round 42: not a round of proposal set 1/,
    )
    assert.equal(labelHistory(project, set).length, 0)
  } finally {
    project.close()
  }
})
