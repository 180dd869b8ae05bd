import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InputError } from '../errors.ts'
import { Project } from '../store/index.ts'
import { LAUNCH_ENV } from './jobs.ts'
import { thisHost } from './process.ts'

/** The CLI commands the window may start as jobs (the contract's JobKind). */
export const LAUNCHABLE = ['train', 'predict', 'proposals', 'embed', 'suggest', 'finetune', 'round'] as const
export type LaunchKind = (typeof LAUNCHABLE)[number]

/** Options the host sets itself, or that would make the command something other than a job. */
const RESERVED = ['--project', '--json', '--help', '-h']

/** How long job.start waits for a command to refuse its arguments before it says the job started. */
export const SETTLE_MS = 8000

/**
 * The folder holding bin/activeem.mjs, found upwards from this module: it runs from src-main/ under
 * tsx and from out/main/ when bundled into the Electron main process.
 */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'bin', 'activeem.mjs'))) return dir
    if (dirname(dir) === dir) throw new Error(`bin/activeem.mjs not found above ${from}`)
  }
}

export function validateLaunch(kind: string, args: readonly string[]): asserts kind is LaunchKind {
  if (!(LAUNCHABLE as readonly string[]).includes(kind))
    throw new InputError(`job.start: unknown job kind '${kind}', expected one of ${LAUNCHABLE.join(', ')}`)
  for (const arg of args) {
    const flag = arg.split('=')[0]!
    if (RESERVED.includes(flag))
      throw new InputError(
        `job.start ${kind}: '${flag}' is set by the window (the open project, JSON output); leave it out of the arguments`,
      )
    if (arg.includes('\0')) throw new InputError(`job.start ${kind}: an argument holds a NUL character`)
  }
}

/** The last `error:` line the CLI wrote, or the log's last line: what went wrong, in its own words. */
export function failureLine(logFile: string): string | null {
  let text: string
  try {
    const size = statSync(logFile).size
    text = readFileSync(logFile, 'utf8').slice(Math.max(0, size - 64_000))
  } catch {
    return null
  }
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const error = lines.findLast((l) => l.startsWith('error: '))
  return error ? error.slice('error: '.length) : (lines.at(-1) ?? null)
}

/** The last line of --json output in the log: the command's result. */
function resultOf(logFile: string): unknown {
  try {
    const lines = readFileSync(logFile, 'utf8').trim().split('\n')
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]!.trim()
      if (line.startsWith('{')) return JSON.parse(line) as unknown
    }
  } catch {
    // no log, or no JSON in it: no result to record
  }
  return null
}

/**
 * logs/job-<id>.log, made empty and new: an id freed by a launch that resumed an earlier job (its row
 * merged away) comes again, and its log must not be written twice.
 */
function freshLog(logs: string, id: number): string {
  for (let n = 1; ; n++) {
    const file = join(logs, n === 1 ? `job-${id}.log` : `job-${id}-${n}.log`)
    try {
      closeSync(openSync(file, 'wx'))
      return file
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
  }
}

/** One line about a finished command's result, for the commands that may record no job themselves. */
export function summaryOf(result: unknown): string {
  const r = result as {
    round?: unknown
    strategy?: unknown
    queries?: unknown
    step?: unknown
    state?: unknown
    next?: unknown
    result?: { missing?: unknown; queries?: unknown }
  } | null
  if (r && typeof r.round === 'number' && Array.isArray(r.queries))
    return `round ${r.round}: ${r.queries.length} queries (${String(r.strategy)})`
  // activeem round: the step it ran (annotate waiting for people is its usual stop), or --init's next step.
  if (r && typeof r.round === 'number' && typeof r.step === 'string')
    return r.state === 'pending' && r.step === 'annotate'
      ? `campaign round ${r.round}: annotate waits for ${String(r.result?.missing)} of ${String(r.result?.queries)} labels`
      : `campaign round ${r.round}: ${r.step} ${String(r.state)}`
  if (r && typeof r.round === 'number' && typeof r.next === 'string')
    return `campaign started; next: round ${r.round} ${r.next}`
  return 'finished'
}

function now(): string {
  return new Date().toISOString()
}

function withOpen<T>(dir: string, work: (project: Project) => T): T {
  const project = Project.open(dir)
  try {
    return work(project)
  } finally {
    project.close()
  }
}

/**
 * Whether the launch row is still the host's own: not yet taken by the child as its job. A taken row
 * may be gone (merged into a resumed job) and its id given to a later launch (SQLite reuses the
 * highest id), so the row is known by its id and the pid of the process it was made for.
 */
function stillLaunched(p: Project, id: number, pid: number | null): boolean {
  const row = p.db.prepare('SELECT state, pid FROM jobs WHERE id = ?').get(id) as
    { state: string; pid: number | null } | undefined
  return row?.state === 'queued' && row.pid === pid
}

function launchState(dir: string, id: number, pid: number): 'queued' | 'adopted' {
  return withOpen(dir, (p) => (stillLaunched(p, id, pid) ? 'queued' : 'adopted'))
}

/**
 * The end of a launched process as seen by the host that started it. A command that never took its
 * launch row as a job of its own (suggest records none; bad arguments stop before) gets it finished
 * here; a job the command took is the command's to finish, and left as it is.
 */
function settleLaunch(
  dir: string,
  id: number,
  pid: number,
  logFile: string,
  code: number | null,
  signal: NodeJS.Signals | null,
): void {
  withOpen(dir, (p) => {
    if (!stillLaunched(p, id, pid)) return
    const result = code === 0 ? resultOf(logFile) : null
    const [state, message] =
      code === 0
        ? ['done', summaryOf(result)]
        : signal === 'SIGTERM' || signal === 'SIGINT' || code === 130
          ? ['cancelled', 'cancelled by the user']
          : ['failed', failureLine(logFile) ?? `exited with ${signal ?? `code ${code}`}`]
    const at = now()
    p.db.transaction(() => {
      p.db
        .prepare(
          "UPDATE jobs SET state = ?, message = ?, result = ?, progress = CASE WHEN ? = 'done' THEN 1 ELSE progress END, eta_seconds = NULL, updated_at = ? WHERE id = ?",
        )
        .run(state, message, result === null ? null : JSON.stringify(result), state, at, id)
      p.db
        .prepare('INSERT INTO job_events (job_id, at, message) VALUES (?, ?, ?)')
        .run(id, at, `${state}: ${message}`)
    })()
  })
}

export interface Launched {
  pid: number
  /** The job row the command was handed (gone if it resumed an earlier job of the same inputs). */
  jobId: number
  logFile: string
}

/**
 * Starts `activeem <kind> --project DIR ...args --json` as a detached child process (it survives a
 * window reload and never runs on the window's thread), its output going to DIR/logs/job-<id>.log.
 * The job row is made first and handed to the child, so the window lists it at once. A command that
 * refuses its arguments within `settleMs` is an InputError with its own message, and leaves nothing.
 */
export async function launchJob(
  dir: string,
  kind: string,
  args: readonly string[],
  settleMs = SETTLE_MS,
): Promise<Launched> {
  validateLaunch(kind, args)
  const cli = join(repoRoot(), 'bin', 'activeem.mjs')
  const { projectDir, id, logFile } = withOpen(dir, (p) => {
    const at = now()
    const info = p.db
      .prepare(
        "INSERT INTO jobs (kind, state, params, progress, message, host, created_at, updated_at) VALUES (?, 'queued', ?, 0, 'starting', ?, ?, ?)",
      )
      .run(kind, JSON.stringify({ args }), thisHost(), at, at)
    const id = Number(info.lastInsertRowid)
    const logs = join(p.dir, 'logs')
    mkdirSync(logs, { recursive: true })
    const logFile = freshLog(logs, id)
    p.db.prepare('UPDATE jobs SET log = ? WHERE id = ?').run(logFile, id)
    p.db
      .prepare('INSERT INTO job_events (job_id, at, message) VALUES (?, ?, ?)')
      .run(id, at, `started: activeem ${kind} ${args.join(' ')} (log: ${relative(p.dir, logFile)})`.trimEnd())
    return { projectDir: p.dir, id, logFile }
  })
  const forget = (pid: number | null): void => {
    withOpen(projectDir, (p) => {
      if (stillLaunched(p, id, pid)) p.db.prepare('DELETE FROM jobs WHERE id = ?').run(id)
    })
    rmSync(logFile, { force: true })
  }

  const fd = openSync(logFile, 'a')
  let child: ChildProcess
  try {
    child = spawn(process.execPath, [cli, kind, '--project', projectDir, ...args, '--json'], {
      cwd: projectDir,
      detached: true,
      stdio: ['ignore', fd, fd],
      // In Electron, execPath is the app itself: this makes it the plain Node it contains.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', [LAUNCH_ENV]: String(id) },
    })
  } catch (e) {
    forget(null)
    throw e
  } finally {
    closeSync(fd)
  }
  const spawned = await new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null))
    child.once('error', resolve)
  })
  if (spawned || child.pid === undefined) {
    forget(null)
    throw new Error(`cannot start activeem ${kind}: ${spawned?.message ?? 'no process'}`)
  }
  const pid = child.pid
  withOpen(projectDir, (p) =>
    // Only while the row is still the host's: a child quick enough to have taken it set its own pid.
    p.db
      .prepare("UPDATE jobs SET pid = ?, updated_at = ? WHERE id = ? AND state = 'queued'")
      .run(pid, now(), id),
  )
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  child.unref()

  const deadline = Date.now() + settleMs
  let early: { code: number | null; signal: NodeJS.Signals | null } | null = null
  while (Date.now() < deadline) {
    early = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 200))])
    if (early || launchState(projectDir, id, pid) === 'adopted') break
  }
  if (early && early.code === 2 && launchState(projectDir, id, pid) === 'queued') {
    const reason = failureLine(logFile) ?? 'the command refused its arguments'
    forget(pid)
    throw new InputError(reason.startsWith(`${kind}:`) ? reason : `${kind}: ${reason}`)
  }
  void exited.then(({ code, signal }) => {
    try {
      settleLaunch(projectDir, id, pid, logFile, code, signal)
    } catch (e) {
      process.stderr.write(`activeem: could not record the end of job ${id}: ${(e as Error).message}\n`)
    }
  })
  return { pid, jobId: id, logFile }
}
