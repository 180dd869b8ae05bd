import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { CLI, REPO } from './cli.ts'

export interface Running {
  child: ChildProcess
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>
}

/** Starts the CLI as a child process we can signal or kill mid-run, in the repository or `cwd`. */
export function startCli(args: string[], cwd = REPO): Running {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<{
    code: number | null
    signal: NodeJS.Signals | null
    stdout: string
    stderr: string
  }>((ok) => child.on('exit', (code, signal) => ok({ code, signal, stdout, stderr })))
  return { child, exited }
}

export async function waitFor(
  what: string,
  check: () => boolean,
  timeoutMs = 120_000,
  everyMs = 50,
): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** Starts the CLI, sends it `signal` once `ready` holds (waitFor's arguments), and returns how it ended. */
export async function interruptCli(
  args: string[],
  signal: NodeJS.Signals,
  what: string,
  ready: () => boolean,
  timeoutMs?: number,
  everyMs?: number,
): Promise<Awaited<Running['exited']>> {
  const run = startCli(args)
  await waitFor(what, ready, timeoutMs, everyMs)
  run.child.kill(signal)
  return run.exited
}

/** The iteration the newest `kind` job of the project in `dir` last reported (0 before its first). */
export function jobIteration(dir: string, kind: string): number {
  const db = new Database(join(dir, 'activeem.sqlite'), { readonly: true })
  try {
    const row = db.prepare('SELECT message FROM jobs WHERE kind = ? ORDER BY id DESC LIMIT 1').get(kind) as
      { message: string | null } | undefined
    return Number(/iteration (\d+)/.exec(row?.message ?? '')?.[1] ?? 0)
  } finally {
    db.close()
  }
}
