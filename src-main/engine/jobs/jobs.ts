import type Database from 'better-sqlite3'
import type { Project } from '../store/index.ts'

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
 * A long piece of work recorded in the project: its state, progress and events survive the process,
 * so a crashed or killed run is found again by its key (same kind + same inputs) and resumed.
 */
export class Job {
  private lastWrite = 0

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
    const existing = db
      .prepare(
        "SELECT id FROM jobs WHERE kind = ? AND key = ? AND state IN ('queued', 'running', 'failed', 'cancelled') ORDER BY id DESC LIMIT 1",
      )
      .get(kind, key) as { id: number } | undefined
    if (existing) {
      db.prepare("UPDATE jobs SET state = 'running', updated_at = ? WHERE id = ?").run(now(), existing.id)
      const job = new Job(db, existing.id, true)
      job.event('resumed')
      return job
    }
    const info = db
      .prepare(
        "INSERT INTO jobs (kind, key, state, params, progress, created_at, updated_at) VALUES (?, ?, 'running', ?, 0, ?, ?)",
      )
      .run(kind, key, JSON.stringify(params), now(), now())
    return new Job(db, Number(info.lastInsertRowid), false)
  }

  event(message: string): void {
    this.db
      .prepare('INSERT INTO job_events (job_id, at, message) VALUES (?, ?, ?)')
      .run(this.id, now(), message)
  }

  /** Progress is written at most once a second: a busy loop must not become a disk-bound one. */
  progress(fraction: number, message: string, force = false): void {
    const t = Date.now()
    if (!force && t - this.lastWrite < 1000) return
    this.lastWrite = t
    this.db
      .prepare('UPDATE jobs SET progress = ?, message = ?, updated_at = ? WHERE id = ?')
      .run(Math.min(1, Math.max(0, fraction)), message, now(), this.id)
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
    this.db
      .prepare(
        "UPDATE jobs SET state = ?, message = ?, result = ?, progress = CASE WHEN ? = 'done' THEN 1 ELSE progress END, updated_at = ? WHERE id = ?",
      )
      .run(state, message, result === undefined ? null : JSON.stringify(result), state, now(), this.id)
    this.event(`${state}: ${message}`)
  }
}

/** Runs `work` as the job: done with its result, cancelled on CancelledError, failed otherwise (rethrown). */
export async function runJob<T>(job: Job, work: () => Promise<T>, summary: (r: T) => string): Promise<T> {
  try {
    const result = await work()
    job.finish('done', summary(result), result)
    return result
  } catch (e) {
    if (e instanceof CancelledError)
      job.finish('cancelled', 'cancelled by the user; run the same command to resume')
    else job.finish('failed', e instanceof Error ? e.message : String(e))
    throw e
  }
}
