import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import Database from 'better-sqlite3'
import { cliJson, runCli } from '../helpers/cli.ts'
import { projectWithRoiSet } from '../helpers/roi-set.ts'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-label-cli-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

function labelRows(dir: string): number {
  const db = new Database(join(dir, 'activeem.sqlite'), { readonly: true })
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM labels').get() as { n: number }).n
  } finally {
    db.close()
  }
}

test('label and labels: two annotators, majority and agreement, undo restores the previous label', () => {
  const dir = join(tmp, 'two')
  projectWithRoiSet(dir, 4).project.close()
  const label = (roi: number, value: string, annotator: string): void => {
    const r = cliJson<{ roi: number; value: string; annotator: string; labelId: number }>([
      'label',
      ...['--project', dir, '--roi', String(roi), '--value', value, '--annotator', annotator],
    ])
    assert.deepEqual([r.roi, r.value, r.annotator], [roi, value, annotator])
  }
  label(1, 'correct', 'ana')
  label(1, 'incorrect', 'ben')
  label(1, 'correct', 'cy')
  label(2, 'incorrect', 'ana')
  label(2, 'correct', 'ana')

  const undo = cliJson<{ undone: { roi: number; value: string | null } }>([
    'label',
    ...['--project', dir, '--undo', '--annotator', 'ana'],
  ])
  assert.deepEqual(undo.undone, { roi: 2, value: 'incorrect' })

  type Labels = {
    annotators: string[]
    rois: Array<{
      roi: number
      labels: Record<string, string>
      majority: string
      agreement: number
      votes: number
    }>
    history: Array<{ roi: number; annotator: string; value: string | null; undoOf: number | null }>
  }
  const all = cliJson<Labels>(['labels', '--project', dir, '--history'])
  assert.deepEqual(all.annotators, ['ana', 'ben', 'cy'])
  assert.deepEqual(all.rois, [
    {
      roi: 1,
      labels: { ana: 'correct', ben: 'incorrect', cy: 'correct' },
      majority: 'correct',
      agreement: 2 / 3,
      votes: 3,
    },
    { roi: 2, labels: { ana: 'incorrect' }, majority: 'incorrect', agreement: 1, votes: 1 },
  ])
  assert.equal(all.history.length, 6, 'five labels and one undo row: the audit trail keeps everything')
  assert.deepEqual(all.history.at(-1), {
    ...all.history.at(-1)!,
    roi: 2,
    annotator: 'ana',
    value: 'incorrect',
    undoOf: 5,
  })
})

test('bad input: exit 2, one clear line, nothing written', () => {
  const dir = join(tmp, 'bad')
  projectWithRoiSet(dir, 3).project.close()
  const cases: Array<[string[], RegExp]> = [
    [['--roi', '9', '--value', 'correct'], /ROI 9: not in proposal set 1 \(3 ROIs\)/],
    [['--roi', '1', '--value', 'maybe'], /--value: expected one of correct, incorrect, unsure/],
    [['--roi', '1', '--value', 'correct', '--annotator', 'two words'], /annotator 'two words': expected/],
    [['--roi', '1'], /--roi and --value are required/],
    [['--undo', '--roi', '1'], /--undo takes no --roi/],
    [['--roi', '1', '--value', 'correct', '--set', '7'], /--set 7: no such proposal set/],
    [['--undo', '--request-id', 'undo-0001'], /--request-id is for a label, not for --undo/],
    [['--roi', '1', '--value', 'correct', '--request-id', 'short'], /request id 'short': expected 8-64/],
  ]
  for (const [args, message] of cases) {
    const r = runCli(['label', '--project', dir, ...args])
    assert.equal(r.code, 2, `${args.join(' ')}: exit code`)
    const lines = r.stderr.trim().split('\n')
    assert.equal(lines.length, 1, `${args.join(' ')}: one line, got ${r.stderr}`)
    assert.match(lines[0]!, /^error: /)
    assert.match(lines[0]!, message)
  }
  const missing = runCli(['label', '--project', join(tmp, 'nowhere'), '--roi', '1', '--value', 'correct'])
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /nowhere: no such project folder/)
  assert.equal(labelRows(dir), 0)
})
