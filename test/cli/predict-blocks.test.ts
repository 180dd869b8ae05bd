import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fullRegion, openVolume } from '../../src-main/engine/volume/index.ts'
import { interruptCli } from '../helpers/child.ts'
import { cliJson, oneErrorLine, tinyPredictArgs, tinyTrainArgs } from '../helpers/cli.ts'
import { tempDir } from '../helpers/peers.ts'

const tmp = tempDir('predict-blocks')
const project = join(tmp.dir, 'project')
const data = join(tmp.dir, 'data')
const raw = `${join(data, 'synthetic.h5')}#raw`
const db = join(project, 'activeem.sqlite')

/** Every channel of a map as raw bytes: equal bytes are equal floats, bit for bit (NaN and -0 too). */
async function mapBytes(out: string): Promise<Record<string, Buffer>> {
  const group = JSON.parse(readFileSync(join(out, 'zarr.json'), 'utf8')) as {
    attributes: { channels: string[] }
  }
  const bytes: Record<string, Buffer> = {}
  for (const channel of group.attributes.channels) {
    const v = await openVolume(`${out}#${channel}`)
    try {
      const values = (await v.readRegion(fullRegion(v.shape))) as Float32Array
      bytes[channel] = Buffer.from(values.buffer, values.byteOffset, values.byteLength)
    } finally {
      v.close()
    }
  }
  return bytes
}

function query<T>(sql: string): T[] {
  const d = new Database(db, { readonly: true, fileMustExist: true })
  try {
    return d.prepare(sql).all() as T[]
  } finally {
    d.close()
  }
}

/** The project database as bytes (with its write-ahead log): blocks must leave it untouched. */
function databaseState(): string {
  return [db, `${db}-wal`]
    .map((f) => (existsSync(f) ? createHash('sha256').update(readFileSync(f)).digest('hex') : '-'))
    .join(' ')
}

const progressLines = (out: string, part: string): number => {
  const file = join(out, '.blocks', `predict-${part.replace('/', '-of-')}.progress`)
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '').length
    : 0
}

describe('predict --block i/n and --merge', () => {
  before(() => {
    cliJson(['synth', '--out', data, '--shape', '16,512,512', '--seed', '3'])
    cliJson(['synth', '--out', join(tmp.dir, 'other'), '--shape', '16,256,256', '--seed', '4'])
    cliJson(['project', 'init', project])
    cliJson(tinyTrainArgs(project, raw, `${join(data, 'synthetic.h5')}#labels/mito`, 3))
  })
  after(() => tmp.cleanup())

  test('three block processes (one killed and rerun) and a merge equal one run, bit for bit', async () => {
    const whole = join(tmp.dir, 'whole.zarr')
    const w = cliJson<{ tiles: number }>(tinyPredictArgs(project, raw, '--workers', '1', '--out', whole))
    assert.equal(w.tiles, 16)

    const out = join(tmp.dir, 'blocks.zarr')
    const args = tinyPredictArgs(project, raw, '--out', out)
    const before = databaseState()
    // Blocks in other thread counts than the whole run: a tile's values must not depend on them.
    const b0 = cliJson<{ tiles: number; block: string }>([...args, '--workers', '2', '--block', '0/3'])
    assert.deepEqual([b0.block, b0.tiles], ['0/3', 5])

    // Killed after its first tile (the progress file's line 1 names the run, then one line a tile).
    const killed = await interruptCli(
      [...args, '--workers', '1', '--block', '1/3'],
      'SIGKILL',
      'the first tile of block 1/3',
      () => progressLines(out, '1/3') >= 2,
    )
    assert.equal(killed.signal, 'SIGKILL')
    const kept = progressLines(out, '1/3') - 1
    assert.ok(kept >= 1 && kept < 5, `killed after ${kept} of 5 tiles`)
    assert.ok(!existsSync(join(out, '.blocks', 'predict-1-of-3.json')), 'a killed block has no marker')

    // A merge before every block is done names the missing ones and registers nothing.
    oneErrorLine([...args, '--merge'], ['block(s) 1, 2 of 3 missing', '--block 1/3'])

    const b1 = cliJson<{ tiles: number; resumedTiles: number }>([...args, '--block', '1/3'])
    assert.deepEqual([b1.tiles, b1.resumedTiles], [5, kept])
    const b2 = cliJson<{ tiles: number }>([...args, '--workers', '1', '--block', '2/3'])
    assert.equal(b2.tiles, 6)
    assert.equal(databaseState(), before, 'a block wrote the project database')
    // A block run again once done does nothing.
    assert.equal(cliJson<{ alreadyDone: boolean }>([...args, '--block', '2/3']).alreadyDone, true)

    const maps = (): number =>
      query<{ n: number }>("SELECT COUNT(*) AS n FROM volumes WHERE role = 'prediction'")[0]!.n
    const registered = maps()
    const merged = cliJson<{ tiles: number; arrays: Record<string, string> }>([...args, '--merge'])
    assert.equal(merged.tiles, 16)
    assert.deepEqual(Object.keys(merged.arrays), Object.keys(await mapBytes(whole)))
    assert.equal(maps(), registered + Object.keys(merged.arrays).length)
    const jobs = query<{ params: string }>(
      "SELECT params FROM jobs WHERE kind = 'predict' AND state = 'done'",
    )
    assert.ok(jobs.some((j) => (JSON.parse(j.params) as { out: string }).out === out))

    const [a, b] = [await mapBytes(whole), await mapBytes(out)]
    for (const channel of Object.keys(a))
      assert.ok(a[channel]!.equals(b[channel]!), `channel ${channel} differs from the single-process map`)
  })

  test('bad blocks: one error line, exit 2, and the blocks already written stay', async () => {
    const out = join(tmp.dir, 'blocks.zarr')
    const args = tinyPredictArgs(project, raw, '--out', out)
    for (const bad of ['3/3', 'x', '1/0', '1/2/3']) oneErrorLine([...args, '--block', bad], ['--block', bad])
    oneErrorLine([...args, '--block', '0/3', '--merge'], ['--block and --merge'])
    // Another volume into the same folder, or the same one split otherwise, would mix two runs.
    const other = `${join(tmp.dir, 'other', 'synthetic.h5')}#raw`
    oneErrorLine(tinyPredictArgs(project, other, '--out', out, '--block', '0/3'), ['another run'])
    oneErrorLine([...args, '--block', '0/2'], ['another run'])
    oneErrorLine(tinyPredictArgs(project, other, '--out', out, '--merge'), ['another run'])
    // A single-process map is not a block folder: blocks never write into it.
    oneErrorLine(tinyPredictArgs(project, raw, '--out', join(tmp.dir, 'whole.zarr'), '--block', '0/3'), [
      'already exists',
    ])
    const markers = readdirSync(join(out, '.blocks')).filter((f) => f.endsWith('.json'))
    assert.equal(markers.length, 3)
    const [a, b] = [await mapBytes(join(tmp.dir, 'whole.zarr')), await mapBytes(out)]
    for (const channel of Object.keys(a)) assert.ok(a[channel]!.equals(b[channel]!))
  })
})
