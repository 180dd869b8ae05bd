import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fullRegion, openVolume } from '../../../src-main/engine/volume/index.ts'
import { interruptCli } from '../../helpers/child.ts'
import { cliJson, tinyPredictArgs, tinyTrainArgs } from '../../helpers/cli.ts'
import { tempDir } from '../../helpers/peers.ts'

const tmp = tempDir('predict-resume')
const project = join(tmp.dir, 'project')
const data = join(tmp.dir, 'data')
const raw = `${join(data, 'synthetic.h5')}#raw`

async function readMap(spec: string): Promise<Float32Array> {
  const v = await openVolume(spec)
  try {
    return (await v.readRegion(fullRegion(v.shape))) as Float32Array
  } finally {
    v.close()
  }
}

/** Finished tiles of the newest predict job, read from the project database while the run goes on. */
function finishedTiles(): string[] {
  const db = new Database(join(project, 'activeem.sqlite'), { readonly: true, fileMustExist: true })
  try {
    const job = db
      .prepare("SELECT id FROM jobs WHERE kind = 'predict' AND state = 'running' ORDER BY id DESC LIMIT 1")
      .get() as { id: number } | undefined
    if (!job) return []
    return (
      db.prepare('SELECT chunk FROM job_chunks WHERE job_id = ?').all(job.id) as Array<{ chunk: string }>
    ).map((r) => r.chunk)
  } finally {
    db.close()
  }
}

describe('predict: killed mid-run, then run again', () => {
  before(() => {
    cliJson(['synth', '--out', data, '--shape', '16,512,512', '--seed', '3'])
    cliJson(['project', 'init', project])
    // A tiny model trained for a few steps: this test is about resumption, not accuracy.
    cliJson(tinyTrainArgs(project, raw, `${join(data, 'synthetic.h5')}#labels/mito`, 3))
  })
  after(() => tmp.cleanup())

  test('finishes without recomputing finished tiles and equals an uninterrupted run', async () => {
    // In one thread; the killed run uses a worker per core: tiles must not depend on either.
    const whole = cliJson<{ tiles: number; resumedTiles: number }>(
      tinyPredictArgs(project, raw, '--workers', '1', '--out', join(tmp.dir, 'whole.zarr')),
    )
    assert.equal(whole.tiles, 16)
    assert.equal(whole.resumedTiles, 0)

    const out = join(tmp.dir, 'killed.zarr')
    const args = tinyPredictArgs(project, raw, '--workers', '2', '--out', out, '--json')
    const ended = await interruptCli(args, 'SIGKILL', 'two finished tiles', () => finishedTiles().length >= 2)
    assert.equal(ended.signal, 'SIGKILL')
    const done = finishedTiles() // the killed job stays 'running' in the database
    assert.ok(done.length >= 2 && done.length < 16, `killed after ${done.length} of 16 tiles`)
    // Finished tiles' chunk files must not be written again.
    const chunkFile = (key: string): string => {
      const [z, y, x] = key.split(',').map(Number) as [number, number, number]
      return join(out, 'mito', 'c', String(z / 16), String(y / 128), String(x / 128))
    }
    const stamps = new Map(done.map((k) => [k, statSync(chunkFile(k)).mtimeMs]))

    const second = cliJson<{ tiles: number; resumedTiles: number }>(args.slice(0, -1))
    assert.equal(second.tiles, 16)
    assert.equal(second.resumedTiles, done.length)
    for (const [key, mtime] of stamps)
      assert.equal(statSync(chunkFile(key)).mtimeMs, mtime, `tile ${key} was recomputed`)
    assert.deepEqual(await readMap(`${out}#mito`), await readMap(`${join(tmp.dir, 'whole.zarr')}#mito`))
  })
})
