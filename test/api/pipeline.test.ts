import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { after, test } from 'node:test'
import type { ApiResponse, PipelineCard, PipelineStep } from '../../src-shared/contract.ts'
import { dispatch } from '../../src-main/api/handlers.ts'
import {
  boxedSpec,
  importArgs,
  pipelineArgs,
  type PipelineJobStep,
} from '../../src-main/api/pipeline-args.ts'
import { defaultClusters, defaultPredictBox, taskOfName } from '../../src-main/api/pipeline-state.ts'
import { ProjectConnections } from '../../src-main/api/project-connections.ts'
import { InputError } from '../../src-main/engine/errors.ts'
import { usage as embedUsage } from '../../src-main/cli/commands/embed.ts'
import { usage as finetuneUsage } from '../../src-main/cli/commands/finetune.ts'
import { usage as predictUsage } from '../../src-main/cli/commands/predict.ts'
import { usage as proposalsUsage } from '../../src-main/cli/commands/proposals.ts'
import { usage as suggestUsage } from '../../src-main/cli/commands/suggest.ts'
import { usage as modelUsage } from '../../src-main/cli/commands/model.ts'
import { usage as trainUsage } from '../../src-main/cli/commands/train.ts'
import { cliJson } from '../helpers/cli.ts'
import { tempDir } from '../helpers/peers.ts'

const tmp = tempDir('api-pipeline')
const ctx = { transport: 'web' as const, project: null, projects: new ProjectConnections() }
after(() => {
  ctx.projects.close()
  tmp.cleanup()
})

let requests = 0
async function call(method: string, params: unknown): Promise<ApiResponse> {
  return dispatch({ id: ++requests, method, params }, ctx)
}
async function ok<T>(method: string, params: unknown): Promise<T> {
  const r = await call(method, params)
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`)
  return r.result as T
}
/** Polls `check` until it answers something, or fails after `ms`. */
async function until<T>(what: string, check: () => Promise<T | null>, ms: number): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== null) return value
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** A job's recorded result, read by a second connection as another process would. */
function doneResultOf(dir: string, id: number): { voxelsPerSecond: number } {
  const db = new Database(join(dir, 'activeem.sqlite'), { readonly: true })
  try {
    const row = db.prepare('SELECT result FROM jobs WHERE id = ?').get(id) as { result: string }
    return JSON.parse(row.result) as { voxelsPerSecond: number }
  } finally {
    db.close()
  }
}

async function cards(dir: string): Promise<Record<PipelineStep, PipelineCard>> {
  const list = await ok<PipelineCard[]>('pipeline.get', { dir })
  return Object.fromEntries(list.map((c) => [c.step, c])) as Record<PipelineStep, PipelineCard>
}

const USAGES: Record<PipelineJobStep, string> = {
  train: trainUsage,
  predict: predictUsage,
  proposals: proposalsUsage,
  embed: embedUsage,
  suggest: suggestUsage,
  finetune: finetuneUsage,
}

test('the typed fields map to the flags each command lists in its --help', () => {
  const f = {
    task: 'mito' as const,
    raw: '/d/v.h5#raw',
    labels: '/d/v.h5#labels/mito',
    iterations: 20,
    name: 'm1',
    model: 'm1',
    box: [6, 14, 384, 640, 384, 640] as [number, number, number, number, number, number],
    map: '/p/predictions/a.zarr',
    threshold: 0.4,
    minSize: 64,
    epochs: 2,
    strategy: 'two-stream',
    N: 3,
    M: 2,
    Q: 1,
    ratio: 0.3,
  }
  const expected: Record<PipelineJobStep, string[]> = {
    train: ['--task', 'mito', '--raw', f.raw, '--labels', f.labels, '--iterations', '20', '--name', 'm1'],
    predict: ['--raw', '/d/v.h5#raw[6:14,384:640,384:640]', '--model', 'm1'],
    proposals: ['--task', 'mito', '--map', f.map, '--threshold', '0.4', '--min-size', '64'],
    embed: ['--epochs', '2'],
    suggest: ['--strategy', 'two-stream', '--N', '3', '--M', '2', '--Q', '1'],
    finetune: ['--model', 'm1', '--iterations', '20', '--ratio', '0.3'],
  }
  for (const [step, args] of Object.entries(expected) as Array<[PipelineJobStep, string[]]>) {
    assert.deepEqual(pipelineArgs(step, f), args, step)
    // Every flag is one the command itself takes: its usage line names it.
    const usage = USAGES[step]
    for (const flag of args.filter((a) => a.startsWith('--')))
      assert.ok(
        usage.includes(`${flag} `) || usage.includes(`${flag}=`) || usage.includes(`[${flag}`),
        `${step} ${flag}: ${usage}`,
      )
  }
  // Optional fields left out are left out of the command; required ones are named when missing.
  assert.deepEqual(pipelineArgs('predict', { raw: 'a.h5#raw', box: null }), ['--raw', 'a.h5#raw'])
  assert.deepEqual(pipelineArgs('proposals', { task: 'synapse', map: null }), ['--task', 'synapse'])
  assert.throws(
    () => pipelineArgs('train', { task: 'mito', raw: 'a#raw', iterations: 5 }),
    (e: unknown) => e instanceof InputError && /the field 'labels' is required/.test(e.message),
  )
  // Suggest started anyway over an unfinished round (asked first in the app): the command's --force.
  assert.deepEqual(pipelineArgs('suggest', { strategy: 'random', force: true }), [
    '--strategy',
    'random',
    '--force',
  ])
  assert.ok(suggestUsage.includes('--force'), suggestUsage)
  // The train card's import form: `activeem model import`'s flags.
  const imported = importArgs({ from: '/m/model.json', name: 'pt', task: 'mito', mean: 120, std: 40 })
  assert.deepEqual(imported, [
    '--from',
    '/m/model.json',
    '--name',
    'pt',
    '--task',
    'mito',
    '--mean',
    '120',
    '--std',
    '40',
  ])
  for (const flag of imported.filter((a) => a.startsWith('--')))
    assert.ok(modelUsage.includes(`${flag} `), flag)
  assert.throws(
    () => importArgs({ from: '/m/model.json', name: 'pt', mean: 1 }),
    /the mean and the std together/,
  )
  assert.throws(() => boxedSpec('a.h5#raw[0:4,:,:]', [0, 1, 0, 1, 0, 1]), /already names a box/)
  assert.throws(() => boxedSpec('a.h5#raw', [4, 4, 0, 1, 0, 1]), /is empty/)
})

test('defaults derived from the data: task from the labels name, a centred box, clusters for the set size', () => {
  assert.equal(taskOfName('vnc_stack1.h5#labels/mitochondria'), 'mito')
  assert.equal(taskOfName('cremi#volumes/labels/clefts'), 'synapse')
  assert.equal(taskOfName('labels'), null)
  // 60 s at 40k voxels/s on a 20x1024x1024 volume: all of z, a centred square of 64-voxel multiples.
  const box = defaultPredictBox([20, 1024, 1024], 1 / 40_000)
  assert.deepEqual(box, [0, 20, 352, 672, 352, 672])
  const voxels = (box[1] - box[0]) * (box[3] - box[2]) * (box[5] - box[4])
  assert.ok(voxels / 40_000 <= 60 && voxels / 40_000 > 30, `${voxels / 40_000} s`)
  // A volume smaller than the budget is predicted whole.
  assert.deepEqual(defaultPredictBox([8, 100, 90], 1 / 40_000), [0, 8, 0, 100, 0, 90])
  assert.deepEqual(defaultClusters(24), { N: 3, M: 2, Q: 1 })
  assert.deepEqual(defaultClusters(5000), { N: 64, M: 4, Q: 1 })
})

test('pipeline.get and pipeline.run on a real project: needs, defaults, a job with its phase at once, done, stale', async () => {
  cliJson(['synth', '--out', join(tmp.dir, 'data'), '--shape', '16,64,64'])
  const h5 = join(tmp.dir, 'data', 'synthetic.h5')
  const dir = join(tmp.dir, 'project')
  await ok('project.create', { dir, name: 'pipeline test' })

  let c = await cards(dir)
  assert.deepEqual(Object.keys(c), [
    'project',
    'volumes',
    'train',
    'predict',
    'proposals',
    'embed',
    'suggest',
    'label',
    'finetune',
    'export',
  ])
  assert.equal(c.project.state, 'done')
  assert.equal(c.volumes.state, 'not-started')
  assert.match(c.train.needs.join(';'), /a labels volume: a model must first learn your own labels/)
  assert.deepEqual(c.predict.needs, ['a trained model', 'a raw volume'])
  assert.equal(c.train.rate?.basis, 'the 2-core development machine')

  await ok('project.addVolume', { dir, spec: `${h5}#raw`, role: 'raw' })
  await ok('project.addVolume', { dir, spec: `${h5}#labels/mito`, role: 'labels' })
  c = await cards(dir)
  assert.equal(c.volumes.state, 'done')
  assert.deepEqual(c.train.needs, [])
  assert.equal(c.train.defaults.task, 'mito')
  assert.equal(c.train.defaults.raw, `${h5}#raw`)
  assert.equal(c.train.defaults.labels, `${h5}#labels/mito`)
  assert.deepEqual(c.predict.defaults.box, [0, 16, 0, 64, 0, 64])

  // A typed field the command refuses comes back as the command's own error line, and nothing runs.
  const bad = await call('pipeline.run', {
    dir,
    step: 'train',
    fields: { ...c.train.defaults, iterations: 2 },
    advanced: ['--width', '1'],
  })
  assert.equal(bad.ok, false)
  assert.match(!bad.ok ? bad.error.message : '', /--width/)

  const t0 = Date.now()
  const run = await ok<{ pid: number; args: string[] }>('pipeline.run', {
    dir,
    step: 'train',
    fields: { ...c.train.defaults, iterations: 3 },
    advanced: ['--width', '4', '--depth', '2', '--window', '4,32,32'],
  })
  assert.deepEqual(
    run.args.slice(-8),
    ['--iterations', '3', '--name', 'mito', '--width', '4', '--depth', '2', '--window', '4,32,32'].slice(-8),
  )
  // The card shows the job and a phase said by the process itself within 2 s of Run.
  const phased = await until(
    'the train phase',
    async () => {
      const card = (await cards(dir)).train
      return card.job && card.job.message && card.job.message !== 'starting' ? card : null
    },
    10_000,
  )
  const phaseMs = Date.now() - t0
  assert.ok(phaseMs < 8000, `phase after ${phaseMs} ms`)
  assert.match(phased.job!.message!, /loading|iteration/)
  const done = await until(
    'the model',
    async () => {
      const card = (await cards(dir)).train
      return card.state === 'done' ? card : null
    },
    120_000,
  )
  assert.match(done.summary, /model 'mito' \(mito\)/)
  assert.match(done.rate!.basis, /^measured: job \d+ here$/)
  c = await cards(dir)
  assert.deepEqual(c.predict.needs, [])
  assert.equal(c.predict.defaults.model, 'mito')
  assert.equal(c.predict.rate?.basis, 'the 2-core development machine')

  // A finished prediction measures the rate the predict card's estimate and default box use.
  await ok('pipeline.run', {
    dir,
    step: 'predict',
    fields: { ...c.predict.defaults, box: [0, 8, 0, 32, 0, 32] },
  })
  const predicted = await until(
    'the prediction',
    async () => {
      const card = (await cards(dir)).predict
      return card.state === 'done' ? card : null
    },
    120_000,
  )
  assert.match(predicted.rate!.basis, /^measured: job \d+ here$/)
  const job = Number(/job (\d+)/.exec(predicted.rate!.basis)![1])
  const result = doneResultOf(dir, job)
  assert.ok(result.voxelsPerSecond > 0, JSON.stringify(result))
  assert.ok(
    Math.abs(predicted.rate!.seconds * result.voxelsPerSecond - 1) < 1e-9,
    JSON.stringify(predicted.rate),
  )

  // Importing through the card runs `activeem model import`: a file that is no layers model is refused
  // in its own words (an ActiveEM model folder's model.json is not one).
  const notLayers = await call('pipeline.run', {
    dir,
    step: 'import',
    fields: { from: join(dir, 'models', 'mito', 'model.json'), name: 'copied' },
  })
  assert.equal(notLayers.ok, false)
  assert.match(!notLayers.ok ? notLayers.error.message : '', /^model import: .*is not a tfjs layers model/)

  // New labels after the model: training is stale, and says why.
  await ok('project.addVolume', { dir, spec: `${h5}#labels/pre`, role: 'labels', name: 'pre' })
  c = await cards(dir)
  assert.equal(c.train.state, 'stale')
  assert.match(c.train.reason ?? '', /labels 'pre' were added after it was trained/)

  // The export card refuses to run without a proposal set, in the export's own words.
  const refused = await call('pipeline.run', { dir, step: 'export', fields: { out: join(tmp.dir, 'x') } })
  assert.equal(refused.ok, false)
})
