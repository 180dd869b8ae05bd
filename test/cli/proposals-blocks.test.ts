import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { before, describe, test } from 'node:test'
import { proposalSets, readPatches, roisOf } from '../../src-main/engine/proposals/index.ts'
import { DB_FILE, Project } from '../../src-main/engine/store/index.ts'
import { fullRegion, openVolume } from '../../src-main/engine/volume/index.ts'
import { CLI, cliJson, oneErrorLine, REPO } from '../helpers/cli.ts'
import { mapProject, type MapProject } from '../helpers/maps.ts'
import { scopedTempDir } from '../helpers/peers.ts'

const tmp = scopedTempDir('proposals-blocks')
let m: MapProject

interface Result {
  set: number
  count: number
  labels: string
  patches: string
  csv: string
}

function cliAsync(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args, '--json'], { cwd: REPO })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => done({ code, stderr }))
  })
}

/**
 * The database's pages, byte for byte: what the blocks must leave as they found it. (A read-only
 * connection to a WAL database makes SQLite create an empty -wal and -shm beside it when none are there.)
 */
function databaseHash(): string {
  const h = createHash('sha256')
  h.update(readFileSync(join(m.project, DB_FILE)))
  const wal = join(m.project, `${DB_FILE}-wal`)
  if (existsSync(wal)) h.update(readFileSync(wal))
  return h.digest('hex')
}

function withProject<T>(f: (p: Project) => T): T {
  const p = Project.open(m.project)
  try {
    return f(p)
  } finally {
    p.close()
  }
}

async function labelsOf(spec: string): Promise<Uint32Array> {
  const v = await openVolume(spec)
  try {
    return (await v.readRegion(fullRegion(v.shape))) as Uint32Array
  } finally {
    v.close()
  }
}

describe('proposals --block i/n, then --merge', { concurrency: false }, () => {
  before(async () => {
    m = await mapProject(tmp.dir, [16, 96, 96], 3)
  })

  test('synapses over 3 block processes: the same ROI table, polarity, labels and patches as one process', async () => {
    // 2 x 3 x 3 labeling blocks, so synapses cross block faces and parts split layers of blocks.
    const args = ['proposals', '--project', m.project, '--task', 'synapse', '--block-shape', '8,32,32']
    const whole = cliJson<Result>(args)
    assert.ok(whole.count > 3, `${whole.count} synapses`)

    const db = databaseHash()
    const runs = await Promise.all([0, 1, 2].map((i) => cliAsync([...args, '--block', `${i}/3`])))
    for (const r of runs) assert.equal(r.code, 0, r.stderr)
    assert.equal(databaseHash(), db, 'the blocks never wrote the project database')

    const merged = cliJson<Result>([...args, '--merge'])
    assert.notEqual(merged.set, whole.set)
    assert.equal(merged.count, whole.count)
    const [a, b] = withProject((p) => [roisOf(p, whole.set), roisOf(p, merged.set)])
    assert.deepEqual(
      b!.map((r) => ({ ...r, setId: 0 })),
      a!.map((r) => ({ ...r, setId: 0 })),
    )
    assert.ok(a!.some((r) => r.polarity?.direction))
    assert.equal(readFileSync(merged.csv, 'utf8'), readFileSync(whole.csv, 'utf8'))
    assert.deepEqual(await labelsOf(merged.labels), await labelsOf(whole.labels))
    assert.deepEqual(await readPatches(merged.patches), await readPatches(whole.patches))
    assert.equal(existsSync(join(m.project, 'proposals', '.blocks-synapse', '.blocks')), false)
  })

  test('a merge with a block missing names it and records nothing', async () => {
    const args = ['proposals', '--project', m.project, '--task', 'mito', '--block-shape', '8,32,32']
    const work = join(tmp.dir, 'mito-work')
    for (const i of [0, 2]) {
      const r = await cliAsync([...args, '--work', work, '--block', `${i}/3`])
      assert.equal(r.code, 0, r.stderr)
    }
    const sets = withProject((p) => proposalSets(p).length)
    oneErrorLine([...args, '--work', work, '--merge'], [work, 'block(s) 1 of 3 missing'])
    assert.equal(
      withProject((p) => proposalSets(p).length),
      sets,
    )
    oneErrorLine([...args, '--work', work, '--block', '64,64,64'], ['--block', "'64,64,64'"])
    const r = await cliAsync([...args, '--work', work, '--block', '1/3'])
    assert.equal(r.code, 0, r.stderr)
    const merged = cliJson<Result>([...args, '--work', work, '--merge'])
    const whole = cliJson<Result>(args)
    assert.equal(readFileSync(merged.csv, 'utf8'), readFileSync(whole.csv, 'utf8'))
  })
})
