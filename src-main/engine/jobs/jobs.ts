import type Database from 'better-sqlite3'
import { checkDevice, deviceFailure } from '../device-state.ts'
import { commandLineFor, type CommandLine } from './command-line.ts'
import { Throughput } from '../eta.ts'
import type { Project } from '../store/index.ts'
import { thisHost } from './process.ts'
import { SeriesBuffer } from './series.ts'

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled'

export class CancelledError extends Error {
  override readonly name = 'CancelledError'
  constructor() {
    super('cancelled')
  }
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError()
}

/**
 * Lets timers, I/O and signal handlers run: tensor work resolves its promises as microtasks, so a
 * loop of it would otherwise never let Ctrl-C (or an IPC cancel) through.
 */
export async function checkpointYield(signal: AbortSignal | undefined): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve))
  throwIfCancelled(signal)
  // A lost or failing GPU ends the job here, like a cancel, before it builds on dropped work.
  checkDevice()
}

export interface ProgressEvent {
  fraction: number
  message: string
  [key: string]: unknown
}

function now(): string {
  return new Date().toISOString()
}

/**
 * The environment variable through which a host that launched `activeem <kind>` hands the child the
 * job row it made for it (so the window lists the job, and its log, from the first second).
 */
export const LAUNCH_ENV = 'ACTIVEEM_JOB_ID'

/** Takes this process's launch row, once: a process that runs several jobs (demo) adopts it for the first. */
function takeLaunch(db: Database.Database, kind: string): number | null {
  const raw = process.env[LAUNCH_ENV]
  if (raw === undefined) return null
  delete process.env[LAUNCH_ENV]
  const id = Number(raw)
  if (!Number.isInteger(id) || id <= 0) return null
  const row = db
    .prepare("SELECT id FROM jobs WHERE id = ? AND kind = ? AND state = 'queued'")
    .get(id, kind) as { id: number } | undefined
  return row?.id ?? null
}

/** The phase a job is in from the moment it is taken until its work reports its own progress. */
export const LOADING = 'loading the inputs'

/**
 * A long piece of work recorded in the project: its state, progress and events survive the process,
 * so a crashed or killed run is found again by its key (same kind + same inputs) and resumed.
 */
export class Job {
  private lastWrite = 0
  private readonly series = new SeriesBuffer()
  /** For an ETA where the work gives none: its progress by the wall clock, after warm-up. */
  private readonly throughput = new Throughput(3)

  private constructor(
    private readonly db: Database.Database,
    readonly id: number,
    readonly resumed: boolean,
  ) {}

  static findUnfinished(project: Project, kind: string, key: string): number | null {
    const row = project.db
      .prepare(
        "SELECT id FROM jobs WHERE kind = ? AND key = ? AND state IN ('queued', 'running', 'failed', 'cancelled') ORDER BY id DESC LIMIT 1",
      )
      .get(kind, key) as { id: number } | undefined
    return row?.id ?? null
  }

  /** The unfinished job of this kind and key if there is one (it is resumed), else a new one. */
  static startOrResume(project: Project, kind: string, key: string, params: unknown): Job {
    const db = project.db
    return db.transaction(() => {
      const launch = takeLaunch(db, kind)
      const existing = db
        .prepare(
          "SELECT id FROM jobs WHERE kind = ? AND key = ? AND state IN ('queued', 'running', 'failed', 'cancelled') ORDER BY id DESC LIMIT 1",
        )
        .get(kind, key) as { id: number } | undefined
      const typed = launch === null ? commandLineFor(kind) : null
      if (existing) {
        db.prepare("UPDATE jobs SET state = 'running', updated_at = ? WHERE id = ?").run(now(), existing.id)
        if (launch !== null) mergeLaunch(db, launch, existing.id)
        else if (typed) recordTyped(db, existing.id, typed)
        const job = new Job(db, existing.id, true)
        job.claim()
        job.event('resumed')
        return job
      }
      if (launch !== null) {
        db.prepare(
          "UPDATE jobs SET key = ?, state = 'running', params = ?, message = ?, updated_at = ? WHERE id = ?",
        ).run(key, JSON.stringify(params), LOADING, now(), launch)
        const job = new Job(db, launch, false)
        job.claim()
        return job
      }
      const info = db
        .prepare(
          "INSERT INTO jobs (kind, key, state, params, progress, created_at, updated_at) VALUES (?, ?, 'running', ?, 0, ?, ?)",
        )
        .run(kind, key, JSON.stringify(params), now(), now())
      const job = new Job(db, Number(info.lastInsertRowid), false)
      if (typed) recordTyped(db, job.id, typed)
      job.claim()
      return job
    })()
  }

  /** Records this process as the one running the job: the window tells alive from crashed by it, and cancels it. */
  private claim(): void {
    this.db
      .prepare('UPDATE jobs SET pid = ?, host = ?, eta_seconds = NULL, updated_at = ? WHERE id = ?')
      .run(process.pid, thisHost(), now(), this.id)
    this.series.resumeAfter(this.db, this.id)
  }

  event(message: string): void {
    this.db
      .prepare('INSERT INTO job_events (job_id, at, message) VALUES (?, ?, ?)')
      .run(this.id, now(), message)
  }

  /**
   * Progress is written at most once a second: a busy loop must not become a disk-bound one. `detail`
   * is the rest of the work's progress event: its ETA and its loss or metric values (kept for the live
   * curves, averaged over the calls between two writes).
   */
  progress(fraction: number, message: string, force = false, detail?: Record<string, unknown>): void {
    const t = Date.now()
    if (detail) this.series.add(detail)
    const f = Math.min(1, Math.max(0, fraction))
    const estimated = this.throughput.eta(f, 1, t)
    if (!force && t - this.lastWrite < 1000) return
    this.lastWrite = t
    const eta = typeof detail?.etaSeconds === 'number' ? detail.etaSeconds : estimated
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE jobs SET progress = ?, message = ?, eta_seconds = ?, updated_at = ? WHERE id = ?')
        .run(f, message, eta !== null && Number.isFinite(eta) ? Math.max(0, eta) : null, now(), this.id)
      this.series.flush(this.db, this.id)
    })()
  }

  /** A whole progress event of the work (train, the VAEs, predict): progress, ETA and curves in one call. */
  report(e: ProgressEvent, force = false): void {
    this.progress(e.fraction, e.message, force, e)
  }

  chunkDone(chunk: string): void {
    this.db.prepare('INSERT OR IGNORE INTO job_chunks (job_id, chunk) VALUES (?, ?)').run(this.id, chunk)
  }

  doneChunks(): Set<string> {
    const rows = this.db.prepare('SELECT chunk FROM job_chunks WHERE job_id = ?').all(this.id) as Array<{
      chunk: string
    }>
    return new Set(rows.map((r) => r.chunk))
  }

  finish(state: Exclude<JobState, 'queued' | 'running'>, message: string, result?: unknown): void {
    this.series.flush(this.db, this.id)
    this.db
      .prepare(
        "UPDATE jobs SET state = ?, message = ?, result = ?, progress = CASE WHEN ? = 'done' THEN 1 ELSE progress END, eta_seconds = NULL, updated_at = ? WHERE id = ?",
      )
      .run(state, message, result === undefined ? null : JSON.stringify(result), state, now(), this.id)
    this.event(`${state}: ${message}`)
  }
}

/**
 * A launch row handed to a process that resumes an earlier job of the same key: the earlier row is
 * the job (its chunks, checkpoints and events); the launch's events and log move to it.
 */
function mergeLaunch(db: Database.Database, launch: number, into: number): void {
  db.prepare('UPDATE job_events SET job_id = ? WHERE job_id = ?').run(into, launch)
  db.prepare(
    'UPDATE jobs SET log = (SELECT log FROM jobs WHERE id = ?), args = (SELECT args FROM jobs WHERE id = ?), cwd = (SELECT cwd FROM jobs WHERE id = ?) WHERE id = ?',
  ).run(launch, launch, launch, into)
  db.prepare('DELETE FROM jobs WHERE id = ?').run(launch)
}

/** The command a terminal ran the job with: the window's Resume launches it again, in the same folder. */
function recordTyped(db: Database.Database, id: number, typed: CommandLine): void {
  db.prepare('UPDATE jobs SET args = ?, cwd = ? WHERE id = ?').run(JSON.stringify(typed.args), typed.cwd, id)
}

/** Runs `work` as the job: done with its result, cancelled on CancelledError, failed otherwise (rethrown). */
export async function runJob<T>(job: Job, work: () => Promise<T>, summary: (r: T) => string): Promise<T> {
  try {
    const result = await work()
    job.finish('done', summary(result), result)
    return result
  } catch (error) {
    const e = deviceFailure() ?? error
    if (e instanceof CancelledError)
      job.finish('cancelled', 'cancelled by the user; run the same command to resume')
    else job.finish('failed', e instanceof Error ? e.message : String(e))
    throw e
  }
}
