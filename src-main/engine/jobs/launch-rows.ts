import { relative } from 'node:path'
import type { Project } from '../store/index.ts'
import type { JobState } from './jobs.ts'
import { thisHost } from './process.ts'

function now(): string {
  return new Date().toISOString()
}

/**
 * The row a host makes for a command it is about to launch, so the window lists the job at once; the
 * child takes it as its job (LAUNCH_ENV) or merges it into the job it resumes. `logFileFor` makes the
 * command's log file for the row's id.
 */
export function recordLaunch(
  project: Project,
  kind: string,
  args: readonly string[],
  logFileFor: (id: number) => string,
  cwd: string | null = null,
): { id: number; logFile: string } {
  const at = now()
  const info = project.db
    .prepare(
      "INSERT INTO jobs (kind, state, params, args, cwd, progress, message, host, created_at, updated_at) VALUES (?, 'queued', ?, ?, ?, 0, 'starting', ?, ?, ?)",
    )
    .run(kind, JSON.stringify({ args }), JSON.stringify(args), cwd, thisHost(), at, at)
  const id = Number(info.lastInsertRowid)
  const logFile = logFileFor(id)
  project.db.prepare('UPDATE jobs SET log = ? WHERE id = ?').run(logFile, id)
  project.db
    .prepare('INSERT INTO job_events (job_id, at, message) VALUES (?, ?, ?)')
    .run(
      id,
      at,
      `started: activeem ${kind} ${args.join(' ')} (log: ${relative(project.dir, logFile)})`.trimEnd(),
    )
  return { id, logFile }
}

/**
 * Whether the launch row is still the host's own: not yet taken by the child as its job. A taken row
 * may be gone (merged into a resumed job) and its id given to a later launch (SQLite reuses the
 * highest id), so the row is known by its id and the pid of the process it was made for.
 */
export function stillLaunched(project: Project, id: number, pid: number | null): boolean {
  const row = project.db.prepare('SELECT state, pid FROM jobs WHERE id = ?').get(id) as
    { state: string; pid: number | null } | undefined
  return row?.state === 'queued' && row.pid === pid
}

/** The launched process's pid, only while the row is still the host's: a quick child set its own. */
export function setLaunchPid(project: Project, id: number, pid: number): void {
  project.db
    .prepare("UPDATE jobs SET pid = ?, updated_at = ? WHERE id = ? AND state = 'queued'")
    .run(pid, now(), id)
}

/**
 * The kind, options and folder job `id` was run with (by a window, or typed in a terminal), to launch
 * it again: the command finds its unfinished work by its inputs and resumes it. Null for a job of a
 * command that records none (a campaign's inner steps, or a project from before schema 13).
 */
export function launchArgs(
  project: Project,
  id: number,
): { kind: string; args: string[]; cwd: string | null } | null {
  const row = project.db.prepare('SELECT kind, args, cwd FROM jobs WHERE id = ?').get(id) as
    { kind: string; args: string | null; cwd: string | null } | undefined
  return row?.args ? { kind: row.kind, args: JSON.parse(row.args) as string[], cwd: row.cwd } : null
}

/** Removes a launch row the child never took (it could not start, or refused its arguments). */
export function forgetLaunch(project: Project, id: number, pid: number | null): void {
  if (stillLaunched(project, id, pid)) project.db.prepare('DELETE FROM jobs WHERE id = ?').run(id)
}

/** Ends a launch row the command never took as a job of its own, with its result when it has one. */
export function settleLaunch(
  project: Project,
  id: number,
  state: Extract<JobState, 'done' | 'failed' | 'cancelled'>,
  message: string,
  result: unknown,
): void {
  const at = now()
  project.db.transaction(() => {
    project.db
      .prepare(
        "UPDATE jobs SET state = ?, message = ?, result = ?, progress = CASE WHEN ? = 'done' THEN 1 ELSE progress END, eta_seconds = NULL, updated_at = ? WHERE id = ?",
      )
      .run(state, message, result === null ? null : JSON.stringify(result), state, at, id)
    project.db
      .prepare('INSERT INTO job_events (job_id, at, message) VALUES (?, ?, ?)')
      .run(id, at, `${state}: ${message}`)
  })()
}

/**
 * The launched process's first word, said from its first second (before it loads its engine or its
 * inputs): the window's card shows the phase at once instead of a silent 'starting'. Only while the
 * row is still the launch row of this kind and process.
 */
export function launchPhase(project: Project, id: number, kind: string, message: string): boolean {
  const at = now()
  return project.db.transaction(() => {
    const changed = project.db
      .prepare("UPDATE jobs SET message = ?, updated_at = ? WHERE id = ? AND kind = ? AND state = 'queued'")
      .run(message, at, id, kind).changes
    if (changed > 0)
      project.db.prepare('INSERT INTO job_events (job_id, at, message) VALUES (?, ?, ?)').run(id, at, message)
    return changed > 0
  })()
}
