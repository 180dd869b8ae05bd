import type { JobDetail } from '../../../src-shared/contract.ts'
import type { Project } from '../store/index.ts'
import { jobProcessAlive, thisHost, type JobProcess } from './process.ts'
import { readSeries } from './series.ts'
import type { JobState } from './jobs.ts'

/** The newest events of a job the window shows; the full history stays in the project. */
const MAX_EVENTS = 200

interface JobRow {
  id: number
  kind: string
  state: JobState
  params: string
  progress: number
  message: string | null
  created_at: string
  updated_at: string
  pid: number | null
  host: string | null
  eta_seconds: number | null
  args: string | null
}

function parseParams(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

function processOf(row: Pick<JobRow, 'pid' | 'host' | 'updated_at'>): JobProcess {
  return { pid: row.pid, host: row.host, updatedAt: row.updated_at }
}

function isUnfinished(state: JobState): boolean {
  return state === 'queued' || state === 'running'
}

/** Every job of the project (or those after id `since`) with its events, curves, ETA and liveness. */
export function listJobs(project: Project, since = 0): JobDetail[] {
  const rows = project.db.prepare('SELECT * FROM jobs WHERE id > ? ORDER BY id').all(since) as JobRow[]
  const events = project.db.prepare(
    'SELECT at, message FROM (SELECT id, at, message FROM job_events WHERE job_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id',
  )
  const t = Date.now()
  return rows.map((row) => {
    const alive = isUnfinished(row.state) && jobProcessAlive(processOf(row), t)
    // The ETA was said at the last write; the time since has passed off it.
    const eta =
      alive && row.eta_seconds !== null
        ? Math.max(0, row.eta_seconds - (t - Date.parse(row.updated_at)) / 1000)
        : null
    return {
      id: row.id,
      kind: row.kind,
      state: row.state,
      progress: row.progress,
      message: row.message,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      params: parseParams(row.params),
      events: events.all(row.id, MAX_EVENTS) as JobDetail['events'],
      series: readSeries(project.db, row.id),
      etaSeconds: eta,
      alive,
      resumable: row.args !== null && row.state !== 'done' && !alive,
    }
  })
}

/**
 * What changes whenever the Jobs screen would: a job added, removed or written (every write sets
 * updated_at), an event logged, and the liveness of each unfinished job's process (a crashed one writes
 * nothing). `unfinished` says whether liveness is worth asking again before the next write.
 */
export function jobsStamp(project: Project, t = Date.now()): { stamp: string; unfinished: number } {
  const rows = project.db
    .prepare(
      'SELECT COUNT(*) AS n, MAX(id) AS last, MAX(updated_at) AS at, (SELECT MAX(id) FROM job_events) AS event FROM jobs',
    )
    .get() as { n: number; last: number | null; at: string | null; event: number | null }
  const open = project.db
    .prepare("SELECT id, pid, host, updated_at FROM jobs WHERE state IN ('queued', 'running') ORDER BY id")
    .all() as Array<Pick<JobRow, 'id' | 'pid' | 'host' | 'updated_at'>>
  const alive = open.map((r) => `${r.id}${jobProcessAlive(processOf(r), t) ? '+' : '-'}`)
  return {
    stamp: [rows.n, rows.last ?? 0, rows.at ?? '', rows.event ?? 0, ...alive].join(' '),
    unfinished: open.length,
  }
}

export interface CancelResult {
  cancelled: boolean
  message: string
}

/**
 * Asks the process running the job to stop (SIGTERM: it finishes its step, saves and marks the job
 * cancelled). A job whose process is gone is marked cancelled here, so it stops looking like it runs.
 */
export function cancelJob(project: Project, id: number): CancelResult {
  const row = project.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined
  if (!row) return { cancelled: false, message: `job ${id}: no such job in this project` }
  if (!isUnfinished(row.state)) return { cancelled: false, message: `job ${id} is already ${row.state}` }
  if (row.pid === process.pid)
    return { cancelled: false, message: `job ${id} runs inside this host; it cannot be cancelled from here` }
  if (row.host !== null && row.host !== thisHost())
    return {
      cancelled: false,
      message: `job ${id} runs on ${row.host} (pid ${row.pid}); cancel it there (Ctrl-C or kill -TERM)`,
    }
  if (row.pid !== null && jobProcessAlive(processOf(row))) {
    try {
      process.kill(row.pid, 'SIGTERM')
    } catch (e) {
      return {
        cancelled: false,
        message: `job ${id}: cannot signal process ${row.pid}: ${(e as Error).message}`,
      }
    }
    project.db
      .prepare('INSERT INTO job_events (job_id, at, message) VALUES (?, ?, ?)')
      .run(id, new Date().toISOString(), `cancel requested: SIGTERM to process ${row.pid}`)
    return {
      cancelled: true,
      message: `job ${id}: asked process ${row.pid} to stop; it saves its current step and ends`,
    }
  }
  const message = 'interrupted (its process had ended); run the same command to resume'
  const at = new Date().toISOString()
  project.db.transaction(() => {
    project.db
      .prepare(
        "UPDATE jobs SET state = 'cancelled', message = ?, eta_seconds = NULL, updated_at = ? WHERE id = ?",
      )
      .run(message, at, id)
    project.db
      .prepare('INSERT INTO job_events (job_id, at, message) VALUES (?, ?, ?)')
      .run(id, at, `cancelled: ${message}`)
  })()
  return { cancelled: true, message: `job ${id} was no longer running; marked cancelled (resumable)` }
}
