import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { startCli, waitFor } from '../../helpers/child.ts'
import { cliJson, runCli, tinyPredictArgs, tinyTrainArgs } from '../../helpers/cli.ts'
import { tempDir } from '../../helpers/peers.ts'

const tmp = tempDir('train-resume')
const project = join(tmp.dir, 'project')
const h5 = join(tmp.dir, 'data', 'synthetic.h5')
const args = tinyTrainArgs(project, `${h5}#raw`, `${h5}#labels/mito`, 400)

function runningIteration(): number {
  const db = new Database(join(project, 'activeem.sqlite'), { readonly: true })
  try {
    const row = db.prepare("SELECT message FROM jobs WHERE kind = 'train' ORDER BY id DESC LIMIT 1").get() as
      { message: string | null } | undefined
    return Number(/iteration (\d+)/.exec(row?.message ?? '')?.[1] ?? 0)
  } finally {
    db.close()
  }
}

before(() => {
  cliJson(['synth', '--out', join(tmp.dir, 'data'), '--shape', '16,96,96', '--seed', '4'])
  cliJson(['project', 'init', project])
})
after(() => tmp.cleanup())

test('Ctrl-C saves a checkpoint; the same command resumes from it and finishes', async () => {
  const first = startCli(args)
  await waitFor('a few iterations', () => runningIteration() >= 5)
  first.child.kill('SIGINT')
  const ended = await first.exited
  assert.equal(ended.code, 130, ended.stderr)
  assert.match(ended.stderr, /run the same command to resume/)
  const resumed = cliJson<{ iterations: number; resumedFrom: number }>(args)
  assert.ok(resumed.resumedFrom >= 5, `resumed from ${resumed.resumedFrom}`)
  assert.equal(resumed.iterations, 400)
})

test('bad input: labels of another shape, float labels, a model of another task', () => {
  const bad = (extra: string[], replace: Record<string, string>, mentions: RegExp): void => {
    const a = args.map((x) => replace[x] ?? x)
    const r = runCli([...a, ...extra])
    assert.equal(r.code, 2, r.stderr)
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, mentions)
  }
  cliJson(['synth', '--out', join(tmp.dir, 'other'), '--shape', '16,64,64', '--seed', '5'])
  bad(
    [],
    { [`${h5}#labels/mito`]: `${join(tmp.dir, 'other', 'synthetic.h5')}#labels/mito` },
    /label shape \[16,64,64\] differs from the raw volume/,
  )
  const float = join(tmp.dir, 'float.zarr')
  cliJson(tinyPredictArgs(project, `${h5}#raw`, '--out', float))
  bad(
    [],
    { [`${h5}#labels/mito`]: `${float}#mito`, tiny: 'tiny2' },
    /labels must be integers .*found float32/,
  )
  bad([], { mito: 'synapse' }, /is a mito model, not synapse/)
  const p = runCli(tinyPredictArgs(project, `${h5}#raw`, '--task', 'synapse'))
  assert.equal(p.code, 2)
  assert.match(p.stderr, /^error: --model 'tiny': is a mito model, expected a synapse model\n$/)
})
