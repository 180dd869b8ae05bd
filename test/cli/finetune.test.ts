import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import Database from 'better-sqlite3'
import type { ComponentRecord } from '../../src-main/engine/components/index.ts'
import { forward, loadModel, disposeWeights } from '../../src-main/engine/model/index.ts'
import { roisOf } from '../../src-main/engine/proposals/index.ts'
import { Project } from '../../src-main/engine/store/index.ts'
import { oracleLabels } from '../../src-main/engine/suggest/oracle.ts'
import { initTensorEngine, tf } from '../../src-main/engine/tensor/index.ts'
import { openVolume, toNumberArrayView } from '../../src-main/engine/volume/index.ts'
import { interruptCli, jobIteration } from '../helpers/child.ts'
import { cliJson, demoProject, runCli } from '../helpers/cli.ts'
import { tempDir } from '../helpers/peers.ts'

const tmp = tempDir('finetune-cli')
const project = join(tmp.dir, 'project')
after(() => tmp.cleanup())

type RoiRow = Pick<ComponentRecord, 'id' | 'z0' | 'y0' | 'x0' | 'z1' | 'y1' | 'x1' | 'voxels'>
let rois: RoiRow[] = []
/** The largest ROI that the held-out ground truth says is a false positive, and two true ones. */
let wrong: RoiRow
let right: RoiRow[] = []
let setRaw = ''

function db<T>(read: (d: Database.Database) => T): T {
  const d = new Database(join(project, 'activeem.sqlite'), { readonly: true })
  try {
    return read(d)
  } finally {
    d.close()
  }
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex')

/** Mean union probability of a saved model inside one ROI's mask, over the window centred on it. */
async function probabilityInside(model: string, roi: RoiRow): Promise<number> {
  const { meta, weights } = loadModel(join(project, 'models', model))
  const win = meta.config.window
  const raw = await openVolume(setRaw)
  const labels = await openVolume(`${join(project, 'proposals', 'set-1', 'labels.zarr')}#labels`)
  try {
    const start = [roi.z0, roi.y0, roi.x0].map((lo, a) => {
      const hi = [roi.z1, roi.y1, roi.x1][a]!
      return Math.max(0, Math.min(raw.shape[a]! - win[a]!, Math.round((lo + hi - win[a]!) / 2)))
    })
    const region = {
      z0: start[0]!,
      z1: start[0]! + win[0],
      y0: start[1]!,
      y1: start[1]! + win[1],
      x0: start[2]!,
      x1: start[2]! + win[2],
    }
    const grey = toNumberArrayView(await raw.readRegion(region))
    const ids = toNumberArrayView(await labels.readRegion(region))
    const { mean, std } = meta.normalisation
    const input = Float32Array.from(grey, (v) => (v - mean) / std)
    const p = tf.tidy(() =>
      tf.sigmoid(forward(meta.config, weights, tf.tensor5d(input, [1, ...win, 1]))).dataSync(),
    )
    let sum = 0
    let n = 0
    for (let i = 0; i < ids.length; i++)
      if (ids[i] === roi.id) {
        sum += p[i * 3 + 2]!
        n++
      }
    assert.ok(n > 0, `ROI ${roi.id} has voxels in its window`)
    return sum / n
  } finally {
    raw.close()
    labels.close()
    disposeWeights(weights)
  }
}

const label = (roi: number, value: string): void => {
  cliJson(['label', '--project', project, '--roi', String(roi), '--value', value, '--annotator', 'ana'])
}

before(async () => {
  await initTensorEngine({ backend: 'wasm' })
  const demo = demoProject<{ proposals: { set: number; count: number } }>(tmp.dir, '32,128,128', 20)
  assert.equal(demo.proposals.set, 1)
  assert.ok(demo.proposals.count >= 4, `the demo proposed ${demo.proposals.count} ROIs`)
  rois = db((d) => d.prepare('SELECT * FROM rois WHERE set_id = 1 ORDER BY voxels DESC').all() as RoiRow[])
  setRaw = db((d) => (d.prepare('SELECT raw FROM proposal_sets WHERE id = 1').get() as { raw: string }).raw)
  const p = Project.open(project)
  const stored = roisOf(p, 1)
  p.close()
  const truth = await oracleLabels(
    stored,
    `${join(project, 'proposals', 'set-1', 'labels.zarr')}#labels`,
    `${join(tmp.dir, 'held-out', 'synthetic.h5')}#labels/clefts`,
  )
  const isTrue = new Map(stored.map((r, i) => [r.id, truth[i] === 1]))
  wrong = rois.find((r) => !isTrue.get(r.id))!
  right = rois.filter((r) => isTrue.get(r.id)).slice(0, 2)
  assert.ok(wrong && right.length === 2, 'the demo set holds false and true detections')
})

test('bad input exits 2 with one line: no labels yet, unknown model, ratio outside (0, 1]', () => {
  const bad = (args: string[], mentions: RegExp): void => {
    const r = runCli(['finetune', '--project', project, ...args])
    assert.equal(r.code, 2, r.stderr)
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, /^error: /)
    assert.match(r.stderr, mentions)
  }
  bad([], /no ROI is labelled correct or incorrect yet/)
  label(wrong.id, 'unsure')
  bad([], /no ROI is labelled correct or incorrect yet/)
  bad(['--model', 'nope'], /--model 'nope': no such model/)
  bad(['--ratio', '0'], /--ratio '0': expected a number in \(0, 1\]/)
  bad(['--ratio', '1.5'], /--ratio '1.5'/)
  bad(['--ratio', 'half'], /--ratio 'half'/)
})

// --ratio 1 (ROI windows only): this base model has had 20 iterations, and in 30 more the first labelled
// volume still teaches it what synapses look like faster than one verdict teaches it what they are not.
test('fine-tuning on an ROI judged incorrect lowers the probability inside it, in a new version with its parent recorded', async () => {
  label(wrong.id, 'incorrect')
  const parentWeights = sha(join(project, 'models', 'synapse-demo', 'weights.bin'))
  const r = cliJson<{
    model: string
    parent: string
    iterations: number
    samples: { rois: number; base: number }
    before: { incorrect: number }
    after: { incorrect: number }
    judged: { correct: number; incorrect: number }
  }>(['finetune', '--project', project, '--iterations', '30', '--ratio', '1'])
  assert.equal(r.model, 'synapse-demo-ft1')
  assert.equal(r.parent, 'synapse-demo')
  assert.equal(r.iterations, 30)
  assert.deepEqual(r.judged, { correct: 0, incorrect: 1 })
  assert.deepEqual(r.samples, { rois: 60, base: 0 })
  assert.ok(r.after.incorrect < r.before.incorrect, JSON.stringify([r.before, r.after]))

  // The parent is untouched; the new version is a row of its own with its parent and labels.
  assert.equal(sha(join(project, 'models', 'synapse-demo', 'weights.bin')), parentWeights)
  const row = db(
    (d) =>
      d.prepare("SELECT metrics FROM models WHERE name = 'synapse-demo-ft1'").get() as { metrics: string },
  )
  const metrics = JSON.parse(row.metrics) as {
    parent: string
    finetune: { labels: { set: number; correct: number[]; incorrect: number[] } }
  }
  assert.equal(metrics.parent, 'synapse-demo')
  assert.deepEqual(metrics.finetune.labels.incorrect, [wrong.id])
  assert.deepEqual(metrics.finetune.labels.correct, [])
  const job = db(
    (d) =>
      d.prepare("SELECT state FROM jobs WHERE kind = 'finetune' ORDER BY id DESC").get() as { state: string },
  )
  assert.equal(job.state, 'done')

  // Measured independently on the saved files: lower inside the ROI judged incorrect.
  const before = await probabilityInside('synapse-demo', wrong)
  const afterFt = await probabilityInside('synapse-demo-ft1', wrong)
  assert.ok(afterFt < before, `inside ROI ${wrong.id}: ${before} -> ${afterFt}`)
})

test('SIGTERM keeps a checkpoint; the same command resumes into the same version', async () => {
  const args = ['finetune', '--project', project, '--iterations', '80', '--ratio', '0.25']
  for (const r of right) label(r.id, 'correct')
  const ended = await interruptCli(
    args,
    'SIGTERM',
    'a few iterations',
    () => jobIteration(project, 'finetune') >= 3,
  )
  assert.equal(ended.code, 130, ended.stderr)
  assert.match(ended.stderr, /run the same command to resume/)
  const resumed = cliJson<{
    model: string
    resumedFrom: number
    iterations: number
    samples: { rois: number; base: number }
  }>(args)
  assert.equal(resumed.model, 'synapse-demo-ft2')
  assert.ok(resumed.resumedFrom >= 3, `resumed from ${resumed.resumedFrom}`)
  assert.equal(resumed.iterations, 80)
  // The default mix: about a quarter of the 160 batch samples are ROI windows.
  assert.equal(resumed.samples.rois + resumed.samples.base, 160)
  assert.ok(resumed.samples.rois > 20 && resumed.samples.rois < 60, JSON.stringify(resumed.samples))
})
