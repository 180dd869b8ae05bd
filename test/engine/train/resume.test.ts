import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { interruptCli, jobIteration } from '../../helpers/child.ts'
import { cliJson, runCli, tinyPredictArgs, tinyTrainArgs } from '../../helpers/cli.ts'
import { tempDir } from '../../helpers/peers.ts'

const tmp = tempDir('train-resume')
const project = join(tmp.dir, 'project')
const h5 = join(tmp.dir, 'data', 'synthetic.h5')
const args = tinyTrainArgs(project, `${h5}#raw`, `${h5}#labels/mito`, 400)

before(() => {
  cliJson(['synth', '--out', join(tmp.dir, 'data'), '--shape', '16,96,96', '--seed', '4'])
  cliJson(['project', 'init', project])
})
after(() => tmp.cleanup())

test('Ctrl-C saves a checkpoint; the same command resumes from it and finishes', async () => {
  const ended = await interruptCli(
    args,
    'SIGINT',
    'a few iterations',
    () => jobIteration(project, 'train') >= 5,
  )
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
