import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { ApiResponse, JobDetail } from '../../src-shared/contract.ts'
import { dispatch } from '../../src-main/api/handlers.ts'
import { ProjectConnections } from '../../src-main/api/project-connections.ts'
import { startCli, waitFor } from '../helpers/child.ts'
import { cliJson, demoProject, tinyTrainOptions } from '../helpers/cli.ts'
import { tempDir } from '../helpers/peers.ts'

const tmp = tempDir('api-jobs')
const dir = join(tmp.dir, 'project')
const h5 = join(tmp.dir, 'data', 'synthetic.h5')
// As in the web host: one connection to the project, held while the jobs' processes write to it too.
const ctx = { transport: 'web' as const, project: null, projects: new ProjectConnections() }
const launched: number[] = []

before(() => {
  // A real project with a proposal set, so `suggest` has something to ask about.
  demoProject(tmp.dir, '32,128,128', 2)
})
after(() => {
  ctx.projects.close()
  for (const pid of launched) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already ended
    }
  }
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

async function jobs(): Promise<JobDetail[]> {
  return ok<JobDetail[]>('jobs.list', { dir })
}

async function start(kind: string, args: string[]): Promise<number> {
  const { pid } = await ok<{ pid: number }>('job.start', { dir, kind, args })
  launched.push(pid)
  return pid
}

/** The id of the job a launched process runs, from the pid the project records for it. */
function jobIdOf(pid: number): number {
  const db = new Database(join(dir, 'activeem.sqlite'), { readonly: true })
  try {
    const row = db.prepare('SELECT id FROM jobs WHERE pid = ? ORDER BY id DESC LIMIT 1').get(pid) as
      { id: number } | undefined
    assert.ok(row, `no job row for pid ${pid}`)
    return row.id
  } finally {
    db.close()
  }
}

/** Polls jobs.list as the panel does until the job satisfies `check`. */
async function until(id: number, what: string, check: (job: JobDetail) => boolean): Promise<JobDetail> {
  let job: JobDetail | undefined
  const end = Date.now() + 120_000
  for (;;) {
    job = (await jobs()).find((j) => j.id === id)
    if (job && check(job)) return job
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(job)}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

function trainArgs(name: string): string[] {
  return tinyTrainOptions(`${h5}#raw`, `${h5}#labels/mito`, 100000, name)
}

test('a train job started from the window runs in its own process with progress, ETA and a loss curve; cancel stops it', async () => {
  const pid = await start('train', trainArgs('tiny-a'))
  assert.notEqual(pid, process.pid)
  const id = jobIdOf(pid)
  let job = await until(id, 'three loss points', (j) => j.series.length >= 3)
  assert.equal(job.kind, 'train')
  assert.equal(job.state, 'running')
  assert.equal(job.alive, true)
  assert.ok(job.progress > 0 && job.progress < 0.01, `progress ${job.progress}`)
  assert.match(job.message ?? '', /^iteration \d+, loss \d/)
  assert.ok(job.etaSeconds !== null && job.etaSeconds > 0, `eta ${job.etaSeconds}`)
  const steps = job.series.map((p) => p.step)
  assert.deepEqual(
    steps,
    [...steps].sort((a, b) => a - b),
  )
  assert.ok(job.series.every((p) => p.name === 'loss' && Number.isFinite(p.value) && p.value > 0))
  assert.deepEqual((job.params as { iterations: number }).iterations, 100000)
  assert.match(
    job.events[0]?.message ?? '',
    /^started: activeem train --task mito .* \(log: logs\/job-\d+\.log\)$/,
  )
  assert.match(
    readFileSync(join(dir, 'logs', `job-${job.id}.log`), 'utf8'),
    /^train [\d.]+%, iteration \d+, loss/m,
  )

  const cancel = await ok<{ cancelled: boolean; message: string }>('job.cancel', { dir, id: job.id })
  assert.deepEqual(cancel, {
    cancelled: true,
    message: `job ${job.id}: asked process ${pid} to stop; it saves its current step and ends`,
  })
  job = await until(id, 'the job to end', (j) => j.state !== 'running')
  assert.equal(job.state, 'cancelled')
  assert.equal(job.alive, false)
  assert.equal(job.etaSeconds, null)
  assert.match(job.message ?? '', /run the same command to resume/)
  assert.deepEqual(await ok('job.cancel', { dir, id }), {
    cancelled: false,
    message: `job ${id} is already cancelled`,
  })

  // Resume: the same command launched again takes the cancelled job up where it stopped.
  assert.equal(job.resumable, true)
  const stoppedAt = job.series.at(-1)!.step
  const again = await ok<{ pid: number }>('job.resume', { dir, id })
  launched.push(again.pid)
  job = await until(id, 'the job to run again', (j) => j.alive && j.series.at(-1)!.step > stoppedAt)
  assert.equal(job.state, 'running')
  assert.equal(job.resumable, false, 'a running job is not resumed')
  assert.ok(
    job.events.some((e) => e.message === 'resumed'),
    JSON.stringify(job.events),
  )
  assert.ok(!(await jobs()).some((j) => j.id !== id && j.kind === 'train' && j.alive), 'no second train job')
  const refused = await call('job.resume', { dir, id })
  assert.ok(!refused.ok && /is running/.test(refused.error.message), JSON.stringify(refused))
  await ok('job.cancel', { dir, id })
  await until(id, 'the job to end again', (j) => !j.alive && j.state === 'cancelled')
})

test('a job whose process died is shown interrupted, not running; the same job starts again and resumes', async () => {
  const pid = await start('train', trainArgs('tiny-b'))
  const id = jobIdOf(pid)
  await until(id, 'some progress', (j) => j.progress > 0)
  process.kill(pid, 'SIGKILL')
  await waitFor('the process to go', () => {
    try {
      process.kill(pid, 0)
      return false
    } catch {
      return true
    }
  })
  const job = (await jobs()).find((j) => j.id === id)!
  assert.equal(job.state, 'running', 'the row still says running')
  assert.equal(job.alive, false, 'but nothing runs it')
  assert.equal(job.etaSeconds, null)

  const again = await start('train', trainArgs('tiny-b'))
  assert.equal(jobIdOf(again), id, 'the same inputs resume the same job')
  const resumed = (await jobs()).find((j) => j.id === id)!
  assert.equal(resumed.alive, true)
  assert.ok(resumed.events.some((e) => e.message === 'resumed'))
  assert.deepEqual(
    (await jobs()).filter((j) => j.alive).map((j) => j.id),
    [id],
  )
  assert.equal((await ok<{ cancelled: boolean }>('job.cancel', { dir, id })).cancelled, true)
})

test('a job typed in a terminal (relative paths, in its own folder) is listed resumable; Resume runs it again there', async () => {
  // As a person types it: inside the data folder, the volumes named relative to it.
  const typed = startCli(
    [
      'train',
      '--project',
      dir,
      ...tinyTrainOptions('synthetic.h5#raw', 'synthetic.h5#labels/mito', 100000, 'tiny-typed'),
      '--json',
    ],
    join(tmp.dir, 'data'),
  )
  const pid = typed.child.pid!
  launched.push(pid)
  await waitFor('the typed job to record itself', () => {
    try {
      jobIdOf(pid)
      return true
    } catch {
      return false
    }
  })
  const id = jobIdOf(pid)
  await until(id, 'some progress', (j) => j.series.length >= 1)
  typed.child.kill('SIGKILL')
  await typed.exited
  const stopped = await until(id, 'the job to show interrupted', (j) => !j.alive)
  assert.equal(stopped.state, 'running', 'killed: the row still says running')
  assert.equal(stopped.resumable, true, 'a typed job records its command')
  const stoppedAt = stopped.series.at(-1)!.step

  const again = await ok<{ pid: number }>('job.resume', { dir, id })
  launched.push(again.pid)
  const resumed = await until(
    id,
    'the typed job to run again',
    (j) => j.alive && j.series.at(-1)!.step > stoppedAt,
  )
  assert.ok(
    resumed.events.some((e) => e.message === 'resumed'),
    JSON.stringify(resumed.events),
  )
  assert.ok(!(await jobs()).some((j) => j.id !== id && j.kind === 'train' && j.alive), 'no second train job')
  await ok('job.cancel', { dir, id })
  await until(id, 'the job to end', (j) => !j.alive && j.state === 'cancelled')
})

test('the VAEs (embed) as a job with their curve, then suggest, which records no job itself: the host lists and ends it', async () => {
  const embed = await until(jobIdOf(await start('embed', ['--epochs', '1'])), 'embed to end', (j) => !j.alive)
  assert.equal(embed.state, 'done', JSON.stringify(embed))
  assert.equal(embed.progress, 1)
  // One labelled curve per model: the two VAEs never share one line.
  for (const name of ['mask VAE loss', 'image VAE loss'])
    assert.ok(
      embed.series.filter((p) => p.name === name).length >= 1,
      `${name}: ${JSON.stringify(embed.series)}`,
    )
  assert.ok(!embed.series.some((p) => p.name === 'loss'), JSON.stringify(embed.series))

  const args = ['--strategy', 'random', '--budget', '4']
  const job = await until(
    jobIdOf(await start('suggest', args)),
    'suggest to end',
    (j) => j.state !== 'queued',
  )
  assert.equal(job.state, 'done', JSON.stringify(job))
  assert.equal(job.kind, 'suggest')
  assert.equal(job.progress, 1)
  assert.equal(job.alive, false)
  assert.deepEqual(job.params, { args })
  assert.equal(job.message, 'round 1: 4 queries (random)')
})

test('a campaign round from the window: --init, then its steps run until annotate waits for people', async () => {
  const raw = `${join(tmp.dir, 'held-out', 'synthetic.h5')}#raw`
  const initArgs = ['--init', '--task', 'synapse', '--raw', raw, '--N', '2', '--M', '2', '--epochs', '1']
  const init = await until(
    jobIdOf(await start('round', [...initArgs, '--iterations', '2'])),
    'round --init to end',
    (j) => j.state !== 'queued',
  )
  assert.equal(init.state, 'done', JSON.stringify(init))
  assert.equal(init.message, 'campaign started; next: round 1 predict')

  const before = Math.max(...(await jobs()).map((j) => j.id))
  // The suggest job above left its round unlabelled: the campaign's first round is started knowingly.
  const pid = await start('round', ['--until', 'finetune', '--force'])
  await waitFor(
    'the round process to end',
    () => {
      try {
        process.kill(pid, 0)
        return false
      } catch {
        return true
      }
    },
    180_000,
    250,
  )
  const status = cliJson<{ next: string; steps: Array<{ step: string; state: string }> }>([
    'round',
    '--project',
    dir,
    '--status',
  ])
  assert.equal(status.next, 'annotate')
  assert.deepEqual(
    status.steps.map((s) => `${s.step}:${s.state}`),
    [
      'predict:done',
      'proposals:done',
      'embed:done',
      'suggest:done',
      'annotate:pending',
      'tune-eu:pending',
      'finetune:pending',
    ],
  )
  // The steps' own jobs are listed in the panel, every one ended; the last says what the round waits for.
  const mine = (await jobs()).filter((j) => j.id > before)
  assert.ok(mine.length >= 1, JSON.stringify(mine))
  assert.ok(
    mine.every((j) => !j.alive && j.state === 'done'),
    JSON.stringify(mine.map((j) => [j.kind, j.state])),
  )
  assert.ok(
    mine.some((j) => /annotate waits for (\d+) of \1 labels/.test(j.message ?? '')),
    JSON.stringify(mine.map((j) => j.message)),
  )
})

test('bad kinds and arguments are refused with a clear message and start nothing', async () => {
  const before = (await jobs()).map((j) => j.id)
  const logs = readdirSync(join(dir, 'logs')).sort()
  const refused = async (params: unknown, code: string, message: RegExp): Promise<void> => {
    const r = await call('job.start', params)
    assert.equal(r.ok, false, JSON.stringify(r))
    if (r.ok) return
    assert.equal(r.error.code, code)
    assert.match(r.error.message, message)
  }
  await refused({ dir, kind: 'simulate', args: [] }, 'bad-request', /at 'kind'.*"train"\|"predict"/)
  await refused({ dir, kind: 'train', args: ['--json'] }, 'bad-input', /'--json' is set by the window/)
  await refused(
    { dir, kind: 'train', args: ['--project=/tmp'] },
    'bad-input',
    /'--project' is set by the window/,
  )
  await refused(
    { dir: join(tmp.dir, 'nowhere'), kind: 'suggest', args: ['--strategy', 'random'] },
    'bad-input',
    /nowhere: no such project folder/,
  )
  // Refused by the command itself: its own one-line error, and no trace of the attempt.
  await refused({ dir, kind: 'train', args: ['--task', 'mito'] }, 'bad-input', /^train: --raw is required/)
  await refused({ dir, kind: 'suggest', args: ['--strategy', 'psychic'] }, 'bad-input', /--strategy.*psychic/)
  assert.deepEqual(
    (await jobs()).map((j) => j.id),
    before,
  )
  assert.deepEqual(readdirSync(join(dir, 'logs')).sort(), logs)
})

test('a host starts at most its limit of jobs at once, and says why it refuses one', async () => {
  const limited = { ...ctx, maxJobs: 1 }
  const startLimited = (kind: string, args: string[]) =>
    dispatch({ id: ++requests, method: 'job.start', params: { dir, kind, args } }, limited)
  /** Starts a job that must start, and returns its job id. */
  const started = async (): Promise<number> => {
    const r = await startLimited('train', trainArgs('tiny-limit'))
    assert.ok(r.ok, JSON.stringify(r))
    const pid = (r.result as { pid: number }).pid
    launched.push(pid)
    return jobIdOf(pid)
  }
  const id = await started()
  const refused = await startLimited('suggest', [])
  assert.ok(!refused.ok && refused.error.code === 'bad-input', JSON.stringify(refused))
  assert.match(
    !refused.ok ? refused.error.message : '',
    /^1 jobs are already running in this project \(at most 1 at once/,
  )
  await ok('job.cancel', { dir, id })
  await until(id, 'the cancel', (j) => !j.alive)
  await ok('job.cancel', { dir, id: await started() })
})
