import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  cancelJob,
  Job,
  LAUNCH_ENV,
  listJobs,
  pidAlive,
  readSeries,
} from '../../../src-main/engine/jobs/index.ts'
import { Project } from '../../../src-main/engine/store/index.ts'
import { scopedTempDir } from '../../helpers/peers.ts'

const tmp = scopedTempDir('jobs')

let projects = 0
function newProject(): Project {
  return Project.init(join(tmp.dir, `p${++projects}`))
}

/** The pid of a process that has ended (and been reaped): what a crashed job's row holds. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0'])
  assert.ok(r.pid)
  return r.pid
}

function points(project: Project, id: number): Array<{ name: string; step: number; value: number }> {
  return project.db
    .prepare('SELECT name, step, value FROM job_points WHERE job_id = ? ORDER BY step')
    .all(id) as Array<{ name: string; step: number; value: number }>
}

test('a job records the process running it: alive while it runs, its ETA and loss points, neither once done', () => {
  const project = newProject()
  try {
    const job = Job.startOrResume(project, 'train', 'k', { a: 1 })
    const row = project.db.prepare('SELECT pid, host FROM jobs WHERE id = ?').get(job.id) as {
      pid: number
      host: string
    }
    assert.equal(row.pid, process.pid)
    // Many events within a second become one point: the last, the figure its message showed.
    job.report({ fraction: 0.1, message: 'iteration 1', iteration: 1, loss: 2, etaSeconds: 90 })
    job.report({ fraction: 0.2, message: 'iteration 2', iteration: 2, loss: 1, etaSeconds: 80 })
    job.report({ fraction: 0.3, message: 'iteration 3', iteration: 3, loss: 3, voxelsPerSecond: 5 })
    job.report({ fraction: 0.4, message: 'iteration 4', iteration: 4, loss: 0.5, etaSeconds: 60 }, true)
    assert.deepEqual(points(project, job.id), [
      { name: 'loss', step: 1, value: 2 },
      { name: 'loss', step: 4, value: 0.5 },
    ])
    const [listed] = listJobs(project)
    assert.ok(listed)
    assert.equal(listed.alive, true)
    assert.equal(listed.state, 'running')
    assert.equal(listed.progress, 0.4)
    assert.ok(listed.etaSeconds !== null && listed.etaSeconds <= 60 && listed.etaSeconds > 50)
    assert.deepEqual(
      listed.series.map((p) => [p.step, p.value]),
      [
        [1, 2],
        [4, 0.5],
      ],
    )
    assert.deepEqual(listed.params, { a: 1 })

    job.report({ fraction: 0.5, message: 'iteration 5', iteration: 5, loss: 0.25 })
    job.finish('done', 'ok')
    const [done] = listJobs(project)
    assert.equal(done?.alive, false)
    assert.equal(done?.etaSeconds, null)
    assert.equal(done?.progress, 1)
    assert.deepEqual(
      done?.series.at(-1),
      { name: 'loss', step: 5, value: 0.25 },
      'finish keeps the last point',
    )
    assert.match(done?.events.at(-1)?.message ?? '', /^done: ok$/)
  } finally {
    project.close()
  }
})

test('only losses and metrics become curves; work without iterations counts its steps on after a resume', () => {
  const project = newProject()
  try {
    const job = Job.startOrResume(project, 'embed', 'k', {})
    job.report({ fraction: 0.1, message: 'a', loss: 1, epoch: 1, samplesPerSecond: 9, dice: 0.5 }, true)
    job.report({ fraction: 0.2, message: 'b', loss: 0.5, epoch: 1 }, true)
    job.finish('cancelled', 'stop')
    const resumed = Job.startOrResume(project, 'embed', 'k', {})
    assert.equal(resumed.id, job.id)
    assert.equal(resumed.resumed, true)
    resumed.report({ fraction: 0.3, message: 'c', loss: 0.25 }, true)
    assert.deepEqual(
      points(project, job.id).map((p) => [p.name, p.step, p.value]),
      [
        ['dice', 1, 0.5],
        ['loss', 1, 1],
        ['loss', 2, 0.5],
        ['loss', 3, 0.25],
      ],
    )
  } finally {
    project.close()
  }
})

test('progress without an ETA of its own gets one from its rate after warm-up, by the wall clock', async () => {
  const project = newProject()
  try {
    const job = Job.startOrResume(project, 'proposals', 'k', {})
    // Warm-up: a slow start (loading, compiling) that must not count in the rate.
    job.progress(0, 'loading', true)
    await new Promise((r) => setTimeout(r, 1000))
    job.progress(0.01, 'compiled', true)
    assert.equal(listJobs(project)[0]?.etaSeconds, null, 'no estimate during warm-up')
    job.progress(0.1, 'start', true)
    await new Promise((r) => setTimeout(r, 2100))
    job.progress(0.3, 'later', true)
    const [listed] = listJobs(project)
    // 0.2 of the work in ~2.1 s since warm-up: the 0.7 left takes ~7.3 s (the warm-up's second would
    // have made it ~10.5 s).
    assert.ok(
      listed?.etaSeconds !== null && Math.abs(listed!.etaSeconds! - 7.35) < 1,
      `${listed?.etaSeconds}`,
    )
  } finally {
    project.close()
  }
})

test('a running job whose process is gone is not alive; cancel marks it cancelled and it resumes', () => {
  const project = newProject()
  try {
    const job = Job.startOrResume(project, 'train', 'crash', {})
    job.progress(0.5, 'half', true)
    project.db.prepare('UPDATE jobs SET pid = ? WHERE id = ?').run(deadPid(), job.id)
    const [listed] = listJobs(project)
    assert.equal(listed?.state, 'running')
    assert.equal(listed?.alive, false)
    assert.equal(listed?.etaSeconds, null)
    const r = cancelJob(project, job.id)
    assert.equal(r.cancelled, true)
    assert.match(r.message, /no longer running; marked cancelled/)
    assert.equal(listJobs(project)[0]?.state, 'cancelled')
    assert.deepEqual(cancelJob(project, job.id), {
      cancelled: false,
      message: `job ${job.id} is already cancelled`,
    })
    assert.equal(Job.startOrResume(project, 'train', 'crash', {}).id, job.id)
  } finally {
    project.close()
  }
})

test('cancel refuses what it must not signal: an unknown job, this very process, a job on another machine', () => {
  const project = newProject()
  try {
    assert.deepEqual(cancelJob(project, 99), {
      cancelled: false,
      message: 'job 99: no such job in this project',
    })
    const mine = Job.startOrResume(project, 'train', 'mine', {})
    assert.match(cancelJob(project, mine.id).message, /runs inside this host/)
    const far = Job.startOrResume(project, 'train', 'far', {})
    project.db.prepare("UPDATE jobs SET host = 'elsewhere', pid = 1 WHERE id = ?").run(far.id)
    const r = cancelJob(project, far.id)
    assert.equal(r.cancelled, false)
    assert.match(r.message, /runs on elsewhere \(pid 1\); cancel it there/)
    // Another machine's job counts as alive while it keeps writing.
    assert.equal(listJobs(project).find((j) => j.id === far.id)?.alive, true)
    project.db.prepare("UPDATE jobs SET updated_at = '2000-01-01T00:00:00.000Z' WHERE id = ?").run(far.id)
    assert.equal(listJobs(project).find((j) => j.id === far.id)?.alive, false)
  } finally {
    project.close()
  }
})

test('a pid taken over by a process that started after the job last wrote is not the job', () => {
  assert.equal(pidAlive(process.pid), true)
  assert.equal(pidAlive(process.pid, Date.now()), true)
  assert.equal(pidAlive(process.pid, Date.now() - 3_600_000), process.platform !== 'linux')
  assert.equal(pidAlive(deadPid()), false)
})

test('a launched process takes the row its host made for it, or merges it into the job it resumes', () => {
  const project = newProject()
  const launchRow = (): number => {
    const at = new Date().toISOString()
    const id = Number(
      project.db
        .prepare(
          "INSERT INTO jobs (kind, state, params, message, log, created_at, updated_at) VALUES ('train', 'queued', '{}', 'starting', '/x/job.log', ?, ?)",
        )
        .run(at, at).lastInsertRowid,
    )
    project.db.prepare("INSERT INTO job_events (job_id, at, message) VALUES (?, ?, 'started')").run(id, at)
    return id
  }
  try {
    const first = launchRow()
    process.env[LAUNCH_ENV] = String(first)
    const job = Job.startOrResume(project, 'train', 'key', { p: 1 })
    assert.equal(job.id, first)
    assert.equal(process.env[LAUNCH_ENV], undefined, 'a launch row is taken once')
    const second = Job.startOrResume(project, 'train', 'other', {})
    assert.notEqual(second.id, first)
    job.finish('cancelled', 'stop')

    const relaunch = launchRow()
    process.env[LAUNCH_ENV] = String(relaunch)
    const resumed = Job.startOrResume(project, 'train', 'key', { p: 1 })
    assert.equal(resumed.id, first, 'the earlier job of the same inputs is the one resumed')
    const rows = listJobs(project)
    assert.deepEqual(
      rows.map((r) => r.id),
      [first, second.id],
    )
    assert.deepEqual(
      rows[0]!.events.map((e) => e.message),
      ['started', 'cancelled: stop', 'started', 'resumed'],
    )
    // A launch row of another kind is not taken.
    const other = launchRow()
    process.env[LAUNCH_ENV] = String(other)
    assert.notEqual(Job.startOrResume(project, 'predict', 'p', {}).id, other)
  } finally {
    delete process.env[LAUNCH_ENV]
    project.close()
  }
})

test('curves are read back at most a few hundred points per name, each bucket by its last point', () => {
  const project = newProject()
  try {
    const job = Job.startOrResume(project, 'train', 'long', {})
    const insert = project.db.prepare(
      "INSERT INTO job_points (job_id, name, step, value) VALUES (?, 'loss', ?, ?)",
    )
    for (let i = 1; i <= 1000; i++) insert.run(job.id, i, i)
    const series = readSeries(project.db, job.id, 100)
    assert.equal(series.length, 100)
    assert.deepEqual(series[0], { name: 'loss', step: 10, value: 10 })
    assert.deepEqual(series.at(-1), { name: 'loss', step: 1000, value: 1000 })
    assert.equal(readSeries(project.db, job.id, 5000).length, 1000)
  } finally {
    project.close()
  }
})
