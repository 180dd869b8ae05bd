import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { listJobs } from '../../../src-main/engine/jobs/index.ts'
import { Project } from '../../../src-main/engine/store/index.ts'
import { cliJson } from '../../helpers/cli.ts'
import { scopedTempDir } from '../../helpers/peers.ts'

const tmp = scopedTempDir('pipeline')

/**
 * The base-model pipeline as a user runs it: train on one synthetic volume, predict another one
 * (a different seed, never seen in training), score it with `activeem eval`.
 */
test(
  'train -> predict -> eval on the synthetic volume reaches Dice >= 0.8 on a held-out volume',
  { timeout: 15 * 60_000 },
  (t) => {
    const train = join(tmp.dir, 'train')
    const heldOut = join(tmp.dir, 'held-out')
    const project = join(tmp.dir, 'project')
    cliJson(['synth', '--out', train, '--seed', '1'])
    cliJson(['synth', '--out', heldOut, '--shape', '32,160,160', '--seed', '2'])
    cliJson(['project', 'init', project])
    const trained = cliJson<{
      iterations: number
      finalLoss: number
      validation: { dice: { mito: number } }
      backend: string
    }>([
      'train',
      '--project',
      project,
      '--task',
      'mito',
      '--name',
      'mito-small',
      '--raw',
      `${join(train, 'synthetic.h5')}#raw`,
      '--labels',
      `${join(train, 'synthetic.h5')}#labels/mito`,
      '--width',
      '8',
      '--depth',
      '2',
      '--window',
      '4,64,64',
      '--batch',
      '4',
      '--lr',
      '0.005',
      '--iterations',
      '300',
    ])
    assert.equal(trained.iterations, 300)
    // One loss figure everywhere: the summary's, the curve's last point and the last progress message.
    const opened = Project.openReadOnly(project)
    try {
      const job = listJobs(opened).find((j) => j.kind === 'train')!
      const last = job.series.filter((p) => p.name === 'loss').at(-1)!
      assert.deepEqual([last.step, last.value], [300, trained.finalLoss])
      assert.ok((job.message ?? '').includes(`loss ${trained.finalLoss.toFixed(4)}`), job.message ?? '')
    } finally {
      opened.close()
    }
    const predicted = cliJson<{ arrays: { mito: string } }>([
      'predict',
      '--project',
      project,
      '--raw',
      `${join(heldOut, 'synthetic.h5')}#raw`,
    ])
    const score = cliJson<{ dice: number; voc: number }>([
      'eval',
      '--pred',
      predicted.arrays.mito,
      '--gt',
      `${join(heldOut, 'synthetic.h5')}#labels/mito`,
      '--metric',
      'dice',
    ])
    t.diagnostic(
      `validation dice ${trained.validation.dice.mito.toFixed(3)}, held-out dice ${score.dice.toFixed(3)} on ${trained.backend}`,
    )
    assert.ok(score.dice >= 0.8, `held-out Dice ${score.dice}`)
  },
)
