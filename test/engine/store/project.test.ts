import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { InputError } from '../../../src-main/engine/errors.ts'
import { DB_FILE, Project, SCHEMA_VERSION } from '../../../src-main/engine/store/index.ts'
import { openVolume, ZarrV3Writer } from '../../../src-main/engine/volume/index.ts'
import { scopedTempDir } from '../../helpers/peers.ts'

const tmp = scopedTempDir('store')

test('a new project is a folder with a migrated SQLite database in WAL mode with foreign keys', () => {
  const p = Project.init(join(tmp.dir, 'p1'), 'first')
  try {
    assert.equal(p.db.pragma('journal_mode', { simple: true }), 'wal')
    assert.equal(p.db.pragma('foreign_keys', { simple: true }), 1)
    assert.equal(p.db.pragma('user_version', { simple: true }), SCHEMA_VERSION)
    const tables = (
      p.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{
        name: string
      }>
    ).map((r) => r.name)
    assert.deepEqual(tables, [
      'campaign',
      'campaign_steps',
      'job_chunks',
      'job_events',
      'job_points',
      'jobs',
      'labels',
      'models',
      'project',
      'proposal_sets',
      'queries',
      'roi_clusters',
      'roi_masks',
      'rois',
      'rounds',
      'volume_levels',
      'volumes',
    ])
    assert.equal(p.summary().name, 'first')
  } finally {
    p.close()
  }
})

test('importing records the volume by reference, with its voxel size from the file attributes', async () => {
  const z = new ZarrV3Writer(join(tmp.dir, 'vol.zarr'))
  const arr = await z.array('em/raw', {
    shape: [4, 8, 8],
    chunks: [2, 8, 8],
    dtype: 'uint8',
    attributes: { resolution: [40, 4, 4] },
  })
  await arr.writeRegion({ z0: 0, z1: 4, y0: 0, y1: 8, x0: 0, x1: 8 }, new Uint8Array(256).fill(3))
  const p = Project.open(Project.init(join(tmp.dir, 'p2')).dir)
  try {
    const v = await openVolume(`${join(tmp.dir, 'vol.zarr')}#em/raw`)
    const rec = p.addVolume(v, { role: 'raw' })
    v.close()
    assert.equal(rec.name, 'vol/em/raw')
    assert.deepEqual(rec.shape, [4, 8, 8])
    assert.deepEqual(rec.voxelSizeNm, [40, 4, 4])
    assert.equal(rec.source, `${join(tmp.dir, 'vol.zarr')}#em/raw`)
    const again = await openVolume(`${join(tmp.dir, 'vol.zarr')}#em/raw`)
    assert.throws(() => p.addVolume(again, { role: 'raw' }), InputError)
    again.close()
    assert.equal(p.volumes().length, 1)
  } finally {
    p.close()
  }
})

test('a project written by a newer ActiveEM is refused, not damaged', () => {
  const dir = join(tmp.dir, 'p3')
  Project.init(dir).close()
  const db = new Database(join(dir, DB_FILE))
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
  db.close()
  assert.throws(() => Project.open(dir), /newer than this ActiveEM knows/)
  const check = new Database(join(dir, DB_FILE))
  assert.equal(check.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1)
  check.close()
})

test('the jobs table enforces its states and its volume reference', () => {
  const p = Project.init(join(tmp.dir, 'p4'))
  try {
    const insert = p.db.prepare(
      "INSERT INTO jobs (kind, state, volume_id, created_at, updated_at) VALUES ('stats', ?, ?, 'now', 'now')",
    )
    assert.throws(() => insert.run('exploded', null), /CHECK constraint/)
    assert.throws(() => insert.run('queued', 999), /FOREIGN KEY/)
    insert.run('queued', null)
    assert.equal(p.jobs().length, 1)
  } finally {
    p.close()
  }
})

test('openReadOnly: block jobs read the project, touch no file of it, and cannot write', () => {
  const dir = join(tmp.dir, 'read-only')
  Project.init(dir, 'ro').close()
  const files = (): string[] => readdirSync(dir).sort()
  const before = files()
  const bytes = readFileSync(join(dir, DB_FILE))
  for (const live of [false, true]) {
    // live: another process holds the project open, so the newest rows may be in its -wal.
    const writer = live ? Project.open(dir) : null
    writer?.db.prepare("UPDATE project SET name = 'renamed' WHERE id = 1").run()
    const p = Project.openReadOnly(dir)
    try {
      assert.equal(p.name, live ? 'renamed' : 'ro')
      assert.throws(() => p.db.prepare("UPDATE project SET name = 'x' WHERE id = 1").run(), /readonly/)
    } finally {
      p.close()
      writer?.close()
    }
    if (!live) {
      assert.deepEqual(files(), before)
      assert.ok(readFileSync(join(dir, DB_FILE)).equals(bytes))
    }
  }
  const old = new Database(join(dir, DB_FILE))
  old.pragma('user_version = 1')
  old.close()
  assert.throws(
    () => Project.openReadOnly(dir),
    (e: Error) => e instanceof InputError && /older than .*project show/.test(e.message),
  )
})
