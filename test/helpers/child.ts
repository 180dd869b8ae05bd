import { spawn, type ChildProcess } from 'node:child_process'
import { CLI, REPO } from './cli.ts'

export interface Running {
  child: ChildProcess
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>
}

/** Starts the CLI as a child process we can signal or kill mid-run. */
export function startCli(args: string[]): Running {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
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
