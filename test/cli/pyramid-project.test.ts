/**
 * `activeem pyramid --project`: a project volume by name, its pyramid in DIR/pyramids/ registered as
 * its levels once complete, a volume that is an OME-Zarr group already using its own, and the same
 * command started as a window job (job.start 'pyramid').
 */
import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { ApiResponse, JobDetail, ProjectVolumeLevels } from '../../src-shared/contract.ts'
import { dispatch } from '../../src-main/api/handlers.ts'
import { ProjectConnections } from '../../src-main/api/project-connections.ts'
import { ZarrV2ArrayWriter } from '../../src-main/engine/volume/index.ts'
import { interruptCli } from '../helpers/child.ts'
import { cliJson, oneErrorLine } from '../helpers/cli.ts'
import { tempDir } from '../helpers/peers.ts'

const tmp = tempDir('pyramid-project')
const dir = join(tmp.dir, 'project')
const raw = join(tmp.dir, 'raw.zarr')
const seg = join(tmp.dir, 'seg.zarr')
const ctx = { transport: 'web' as const, project: null, projects: new ProjectConnections() }
after(() => {
  ctx.projects.close()
  tmp.cleanup()
})

/** A Zarr v2 array of `shape` whose stored chunks hold `value` (the rest reads as the fill value). */
function array(path: string, shape: [number, number, number], value: number): void {
  const w = ZarrV2ArrayWriter.openOrCreate(path, shape, [shape[0], 256, 256], 'uint16')
  for (let y = 0; y < Math.ceil(shape[1] / 256); y++) {
    const region = w.chunkRegion([0, y, 0])
    const size = (region.z1 - region.z0) * (region.y1 - region.y0) * (region.x1 - region.x0)
    w.writeChunk([0, y, 0], new Uint16Array(size).fill(value + y))
  }
}

let requests = 0
async function ok<T>(method: string, params: unknown): Promise<T> {
  const r: ApiResponse = await dispatch({ id: ++requests, method, params }, ctx)
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`)
  return r.result as T
}

function rows<T>(sql: string): T[] {
  const db = new Database(join(dir, 'activeem.sqlite'), { readonly: true })
  try {
    return db.prepare(sql).all() as T[]
  } finally {
    db.close()
  }
}

before(() => {
  array(raw, [4, 900, 300], 100)
  array(seg, [4, 600, 280], 3)
  cliJson(['project', 'init', dir])
  cliJson(['project', 'import', dir, raw, '--role', 'raw', '--voxel-size', '40,4,4'])
  cliJson(['project', 'import', dir, seg, '--role', 'labels'])
})

interface Result {
  out: string
  volume: string
  jobId: number
  levels: Array<{ path: string; shape: number[]; scale: number[] }>
  chunksWritten: number
  chunksKept: number
}

test('a project volume by name: default --out, the volume voxel size, registered as its levels', async () => {
  const r = cliJson<Result>(['pyramid', '--project', dir, 'raw'])
  assert.equal(r.out, join(dir, 'pyramids', 'raw.zarr'))
  assert.equal(r.volume, 'raw')
  assert.deepEqual(
    r.levels.map((l) => [l.shape, l.scale]),
    [
      [
        [4, 900, 300],
        [40, 4, 4],
      ],
      [
        [4, 450, 150],
        [40, 8, 8],
      ],
      [
        [4, 225, 75],
        [40, 16, 16],
      ],
    ],
  )
  // Registered, relative to the project, and read back through the API the window uses.
  assert.deepEqual(rows<{ volume_id: number; path: string }>('SELECT volume_id, path FROM volume_levels'), [
    { volume_id: 1, path: join('pyramids', 'raw.zarr') },
  ])
  const levels = await ok<ProjectVolumeLevels[]>('project.levels', { dir })
  assert.equal(levels[0]!.origin, 'pyramid')
  assert.equal(levels[0]!.job, null)
  assert.deepEqual(
    levels[0]!.multiscale!.levels.map((l) => [l.spec, l.shape]),
    r.levels.map((l) => [`${r.out}#${l.path}`, l.shape]),
  )
  assert.deepEqual(levels[1], { volumeId: 2, origin: null, multiscale: null, job: null, error: null })
  // A job of the project, finished, and a rerun keeps every chunk.
  const jobs = rows<{ id: number; kind: string; state: string }>('SELECT id, kind, state FROM jobs')
  assert.deepEqual(jobs, [{ id: r.jobId, kind: 'pyramid', state: 'done' }])
  const again = cliJson<Result>(['pyramid', '--project', dir, 'raw'])
  assert.equal(again.chunksWritten, 0)
  assert.equal(again.chunksKept, r.chunksWritten)
})

test('a labels volume is reduced as labels unless told otherwise', () => {
  const r = cliJson<Result>(['pyramid', '--project', dir, 'seg'])
  const attrs = JSON.parse(readFileSync(join(r.out, '.zattrs'), 'utf8')) as {
    activeem: { kind: string; rule: string }
    multiscales: Array<{ type: string }>
  }
  assert.deepEqual(
    [attrs.activeem.kind, attrs.activeem.rule, attrs.multiscales[0]!.type],
    ['labels', 'mode', 'mode'],
  )
})

test('a volume that is an OME-Zarr multiscale group uses its own levels: nothing is built', async () => {
  cliJson(['project', 'import', dir, join(dir, 'pyramids', 'raw.zarr'), '--role', 'raw', '--name', 'ome'])
  const levels = await ok<ProjectVolumeLevels[]>('project.levels', { dir })
  const ome = levels.find((l) => l.volumeId === 3)!
  assert.equal(ome.origin, 'source')
  assert.equal(ome.multiscale!.levels.length, 3)
  oneErrorLine(['pyramid', '--project', dir, 'ome'], ['ome', 'already has 3 level(s)', 'nothing to build'])
})

test('bad input: an unknown volume name, a path outside the project without --out', () => {
  const before = rows<{ n: number }>('SELECT COUNT(*) AS n FROM jobs')[0]!.n
  oneErrorLine(['pyramid', '--project', dir, 'nope'], [dir, "no volume named 'nope'", "'raw'", "'seg'"])
  const other = join(tmp.dir, 'other.zarr')
  array(other, [2, 300, 300], 1)
  oneErrorLine(['pyramid', '--project', dir, other], [other, 'give --out'])
  oneErrorLine(['pyramid', 'raw'], ['--out is required', '--project DIR'])
  assert.equal(rows<{ n: number }>('SELECT COUNT(*) AS n FROM jobs')[0]!.n, before, 'no job row left')
  assert.ok(!existsSync(join(dir, 'pyramids', 'nope.zarr')))
})

test('started as a window job: listed as kind pyramid, done, and the volume gets its levels', async () => {
  cliJson(['project', 'import', dir, raw, '--role', 'raw', '--name', 'from-window'])
  const { pid } = await ok<{ pid: number }>('job.start', { dir, kind: 'pyramid', args: ['from-window'] })
  assert.ok(pid > 0)
  let job: JobDetail | undefined
  const end = Date.now() + 120_000
  while (!(job?.state === 'done' && !job.alive)) {
    job = (await ok<JobDetail[]>('jobs.list', { dir })).filter((j) => j.kind === 'pyramid').at(-1)
    assert.ok(Date.now() < end, `timed out: ${JSON.stringify(job)}`)
    assert.ok(job?.state !== 'failed', JSON.stringify(job))
    await new Promise((r) => setTimeout(r, 250))
  }
  assert.equal(job.progress, 1)
  assert.match(job.message ?? '', /^3 levels of from-window in .*from-window\.zarr$/)
  assert.ok(
    job.events.some((e) => e.message.startsWith('started: activeem pyramid from-window')),
    JSON.stringify(job.events),
  )
  const levels = await ok<ProjectVolumeLevels[]>('project.levels', { dir })
  const mine = levels.find((l) => l.volumeId === 4)!
  assert.equal(mine.origin, 'pyramid')
  assert.equal(mine.multiscale!.group, join(dir, 'pyramids', 'from-window.zarr'))
  // Its log holds the progress lines, as every job's does.
  const log = readFileSync(join(dir, 'logs', `job-${job.id}.log`), 'utf8')
  assert.match(log, /pyramid 100\.0%/)
})

test('cancelled (SIGTERM, as the Jobs screen cancels): no levels registered; the rerun keeps its chunks', async () => {
  const wide = join(tmp.dir, 'wide.zarr')
  array(wide, [8, 2048, 2048], 9)
  cliJson(['project', 'import', dir, wide, '--role', 'raw', '--name', 'wide'])
  const progress = (): number =>
    rows<{ progress: number }>("SELECT progress FROM jobs WHERE kind = 'pyramid' ORDER BY id DESC LIMIT 1")[0]
      ?.progress ?? 0
  const before = rows<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'pyramid'")[0]!.n
  const exit = await interruptCli(
    ['pyramid', '--project', dir, 'wide', '--json'],
    'SIGTERM',
    'the pyramid job to report progress',
    () =>
      rows<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'pyramid'")[0]!.n > before &&
      progress() > 0,
  )
  assert.equal(exit.code, 130, exit.stderr)
  const job = rows<{ state: string; message: string }>(
    "SELECT state, message FROM jobs WHERE kind = 'pyramid' ORDER BY id DESC LIMIT 1",
  )[0]!
  assert.equal(job.state, 'cancelled')
  const id = rows<{ id: number }>("SELECT id FROM volumes WHERE name = 'wide'")[0]!.id
  assert.deepEqual(rows(`SELECT * FROM volume_levels WHERE volume_id = ${id}`), [])
  const levels = await ok<ProjectVolumeLevels[]>('project.levels', { dir })
  assert.equal(levels.find((l) => l.volumeId === id)!.origin, null)

  const r = cliJson<Result>(['pyramid', '--project', dir, 'wide'])
  assert.ok(r.chunksKept > 0, `kept ${r.chunksKept}`)
  assert.equal(r.levels.length, 4)
  assert.equal(
    rows<{ path: string }>(`SELECT path FROM volume_levels WHERE volume_id = ${id}`)[0]?.path,
    join('pyramids', 'wide.zarr'),
  )
  // The cancelled job is the one resumed and finished, not a second one.
  assert.equal(rows<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'pyramid'")[0]!.n, before + 1)
})
