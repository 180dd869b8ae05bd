import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { readPatches, type Roi } from '../../src-main/engine/proposals/index.ts'
import { oracleLabels } from '../../src-main/engine/suggest/index.ts'
import { readTruth, setTruthLabels } from '../../src-main/engine/synth-proposals/index.ts'
import { openVolume } from '../../src-main/engine/volume/index.ts'
import { interruptCli } from '../helpers/child.ts'
import { cliJson, oneErrorLine, runCli } from '../helpers/cli.ts'
import { scopedTempDir } from '../helpers/peers.ts'

const tmp = scopedTempDir('synth-proposals')
const project = join(tmp.dir, 'p')

interface Made {
  set: number
  dir: string
  rois: number
  p: number
  wrong: string[]
  raw: string
  gt: string
  truth: string
  seconds: number
}
let made: Made

function storedRois(): Roi[] {
  const db = new Database(join(project, 'activeem.sqlite'), { readonly: true })
  try {
    const rows = db.prepare('SELECT * FROM rois WHERE set_id = ? ORDER BY id').all(made.set) as Array<
      Record<string, number>
    >
    return rows.map((r) => ({ ...(r as unknown as Roi), mean: r.mean_p!, max: r.max_p! }))
  } finally {
    db.close()
  }
}

describe('activeem synth-proposals, then embed and simulate on its truth', () => {
  before(() => {
    // 2k ROIs as the issue asks, at 32-pixel patches so the one-epoch embedding stays short.
    made = cliJson<Made>([
      'synth-proposals',
      ...['--project', project, '--rois', '2000', '--p', '0.76'],
      ...['--wrong', 'shape,content,empty', '--seed', '2', '--patch', '32'],
    ])
  })

  test('a proposal set like a cut one: its rows, patches, ROI table, labels and truth', async () => {
    assert.equal(made.rois, 2000)
    assert.equal(made.p, 0.76)
    assert.deepEqual(made.wrong, ['shape', 'content', 'empty'])
    for (const f of ['patches.h5', 'rois.csv', 'labels.zarr', 'truth.json'])
      assert.ok(existsSync(join(made.dir, f)), f)
    assert.equal(readFileSync(join(made.dir, 'rois.csv'), 'utf8').trim().split('\n').length, 2001)
    const patches = await readPatches(join(made.dir, 'patches.h5'))
    assert.equal(patches.size, 32)
    assert.equal(patches.roi.length, 2000)
    const truth = readTruth(made.truth)
    assert.equal(
      truth.correct.reduce((a, b) => a + b, 0),
      1520,
    )
    assert.deepEqual([...new Set(truth.kinds)].sort(), [
      'correct',
      'dense-body',
      'fragment',
      'membrane',
      'merge',
      'noise',
      'vesicle-cloud',
    ])
    const rois = storedRois()
    assert.equal(rois.length, 2000)
    // Each ROI's box in the label volume holds its own id; the raw mosaic there is its thumbnail.
    const labels = await openVolume(`${join(made.dir, 'labels.zarr')}#labels`)
    const raw = await openVolume(made.raw)
    try {
      for (const r of [rois[0]!, rois[777]!, rois[1999]!]) {
        const box = { z0: r.z0, z1: r.z1, y0: r.y0, y1: r.y1, x0: r.x0, x1: r.x1 }
        const ids = await labels.readRegion(box)
        assert.equal([...ids].filter((v) => Number(v) === r.id).length, r.voxels)
        assert.ok((await raw.readRegion(box)).length === ids.length)
      }
    } finally {
      labels.close()
      raw.close()
    }
    // The truth mask answers as truth.json does, through the oracle `simulate --gt` uses.
    const byOracle = await oracleLabels(rois, `${join(made.dir, 'labels.zarr')}#labels`, made.gt)
    assert.deepEqual([...byOracle], [...setTruthLabels(made.dir, rois)])
  })

  test('embed, then simulate with no --gt: the set answers for itself, as --gt its truth mask would', () => {
    const e = cliJson<{ rois: number }>([
      'embed',
      ...['--project', project, '--epochs', '1', '--image-samples', '0'],
    ])
    assert.equal(e.rois, 2000)
    const args = ['simulate', '--project', project, '--N', '16', '--M', '2', '--Q', '1', '--rounds', '2']
    const text = runCli([...args, '--strategy', 'random'])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /2000 ROIs, 76\.0% correct before annotation/)
    assert.match(text.stdout, /^random\s+\d+\.\d ± 0\.0\s+\d+\.\d ± 0\.0$/m)
    type Sim = { initialAccuracy: number; runs: Array<{ rounds: Array<{ accuracy: number }> }> }
    const own = cliJson<Sim>([...args, '--strategy', 'two-stream'])
    const viaGt = cliJson<Sim>([...args, '--strategy', 'two-stream', '--gt', made.gt])
    assert.equal(own.initialAccuracy, 0.76)
    assert.deepEqual(own.runs, viaGt.runs)
    const accuracy = own.runs[0]!.rounds.map((r) => r.accuracy)
    assert.equal(accuracy.length, 2)
    for (const a of accuracy) assert.ok(a > 0.5 && a <= 1, `${a}`)
  })

  test('bad input: exit 2 and one line naming the flag', () => {
    const base = ['synth-proposals', '--project', join(tmp.dir, 'bad'), '--rois', '100', '--wrong', 'shape']
    oneErrorLine([...base, '--p', '1.2'], ['--p', '(0, 1)'])
    oneErrorLine([...base, '--p', '0'], ['--p'])
    oneErrorLine([...base, '--p', 'x'], ['--p'])
    oneErrorLine([...base.slice(0, 5), '5', '--wrong', 'shape', '--p', '0.7'], ['--rois'])
    oneErrorLine([...base.slice(0, 6), 'shape,colour', '--p', '0.7'], ['--wrong', 'colour'])
    oneErrorLine([...base.slice(0, 6), 'shape', '--p', '0.7', '--patch', '8'], ['--patch'])
    oneErrorLine(
      ['synth-proposals', '--project', join(tmp.dir, 'bad'), '--rois', '100', '--p', '0.7'],
      ['--wrong'],
    )
    // Nothing was made of the bad runs.
    assert.ok(!existsSync(join(tmp.dir, 'bad', 'proposals')))
  })
})

test('a run cancelled or killed while drawing records no set and leaves no staging; the same command then makes it', async () => {
  const dir = join(tmp.dir, 'stopped')
  const args = [
    'synth-proposals',
    '--project',
    dir,
    '--rois',
    '1500',
    '--p',
    '0.7',
    '--wrong',
    'content',
    '--seed',
    '4',
  ]
  const job = (): { id: number; state: string; message: string } | undefined => {
    if (!existsSync(join(dir, 'activeem.sqlite'))) return undefined
    const db = new Database(join(dir, 'activeem.sqlite'), { readonly: true })
    try {
      return db.prepare("SELECT id, state, message FROM jobs WHERE kind = 'synth-proposals'").get() as
        { id: number; state: string; message: string } | undefined
    } finally {
      db.close()
    }
  }
  const sets = (): number => {
    const db = new Database(join(dir, 'activeem.sqlite'), { readonly: true })
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM proposal_sets').get() as { n: number }).n
    } finally {
      db.close()
    }
  }
  const drawing = (): boolean => /^drew \d+ of 1500 ROIs$/.test(job()?.message ?? '')

  // Ctrl-C (SIGTERM): the job is cancelled, with its own line, and no set is recorded.
  const cancelled = await interruptCli([...args, '--json'], 'SIGTERM', 'the drawing', drawing, 120_000, 50)
  assert.equal(cancelled.code, 130, cancelled.stderr)
  assert.match(cancelled.stderr, /cancelled; nothing was recorded/)
  assert.equal(job()?.state, 'cancelled')
  assert.equal(sets(), 0)

  // Killed outright; what a killed writer would have left is there too (its process is gone).
  const killed = await interruptCli([...args, '--json'], 'SIGKILL', 'the drawing again', drawing, 120_000, 50)
  assert.equal(killed.signal, 'SIGKILL')
  assert.equal(sets(), 0)
  const stale = join(dir, 'proposals', '.partial-999999')
  mkdirSync(stale, { recursive: true })

  const done = cliJson<Made>([...args])
  assert.equal(done.rois, 1500)
  assert.equal(sets(), 1)
  assert.equal(job()?.state, 'done', 'the same job, ended')
  assert.ok(!existsSync(stale), 'the staging of a dead run is removed')
  assert.deepEqual(
    readdirSync(join(dir, 'proposals')).filter((n) => n.startsWith('.partial')),
    [],
  )
})
