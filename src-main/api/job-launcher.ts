import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { JobKind } from '../../src-shared/contract.ts'
import { InputError } from '../engine/errors.ts'
import {
  forgetLaunch,
  LAUNCH_ENV,
  recordLaunch,
  setLaunchPid,
  settleLaunch,
  stillLaunched,
} from '../engine/jobs/index.ts'
import { Project } from '../engine/store/index.ts'
import { failureLine, freshLog, resultOf, summaryOf } from './job-log.ts'

/** The CLI commands the window may start as jobs. */
const LAUNCHABLE = JobKind.options

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

export function validateLaunch(kind: string, args: readonly string[]): asserts kind is JobKind {
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

function withOpen<T>(dir: string, work: (project: Project) => T): T {
  const project = Project.open(dir)
  try {
    return work(project)
  } finally {
    project.close()
  }
}

function launchState(dir: string, id: number, pid: number): 'queued' | 'adopted' {
  return withOpen(dir, (p) => (stillLaunched(p, id, pid) ? 'queued' : 'adopted'))
}

/**
 * The end of a launched process as seen by the host that started it. A command that never took its
 * launch row as a job of its own (suggest records none; bad arguments stop before) gets it finished
 * here; a job the command took is the command's to finish, and left as it is.
 */
function endLaunch(
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
        ? (['done', summaryOf(result)] as const)
        : signal === 'SIGTERM' || signal === 'SIGINT' || code === 130
          ? (['cancelled', 'cancelled by the user'] as const)
          : (['failed', failureLine(logFile) ?? `exited with ${signal ?? `code ${code}`}`] as const)
    settleLaunch(p, id, state, message, result)
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
  /** Where a terminal ran the command being resumed (its relative paths); else the project folder. */
  cwd: string | null = null,
): Promise<Launched> {
  validateLaunch(kind, args)
  // A folder since removed: the project's, where the error about a path it held will name that path.
  const runIn = cwd !== null && existsSync(cwd) ? cwd : null
  const cli = join(repoRoot(), 'bin', 'activeem.mjs')
  const { projectDir, id, logFile } = withOpen(dir, (p) => {
    const launch = recordLaunch(
      p,
      kind,
      args,
      (id) => {
        const logs = join(p.dir, 'logs')
        mkdirSync(logs, { recursive: true })
        return freshLog(logs, id)
      },
      runIn,
    )
    return { projectDir: p.dir, ...launch }
  })
  const forget = (pid: number | null): void => {
    withOpen(projectDir, (p) => forgetLaunch(p, id, pid))
    rmSync(logFile, { force: true })
  }

  const fd = openSync(logFile, 'a')
  let child: ChildProcess
  try {
    child = spawn(process.execPath, [cli, kind, '--project', projectDir, ...args, '--json'], {
      cwd: runIn ?? projectDir,
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
  withOpen(projectDir, (p) => setLaunchPid(p, id, pid))
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
      endLaunch(projectDir, id, pid, logFile, code, signal)
    } catch (e) {
      process.stderr.write(`activeem: could not record the end of job ${id}: ${(e as Error).message}\n`)
    }
  })
  return { pid, jobId: id, logFile }
}
