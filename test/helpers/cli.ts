import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const REPO = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = fileURLToPath(new URL('../../bin/activeem.mjs', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Bad input: exit 2 and exactly one line on stderr, `error: ...`, mentioning each of `parts`. */
export function oneErrorLine(args: string[], parts: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = runCli(args, { env })
  assert.equal(r.code, 2, r.stderr)
  const lines = r.stderr.split('\n').filter((l) => l !== '')
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`)
  assert.ok(lines[0]!.startsWith('error: '), lines[0])
  for (const p of parts) assert.ok(lines[0]!.includes(p), `'${lines[0]}' should mention '${p}'`)
  return lines[0]!
}

/** Runs a command that must succeed with --json and returns its one JSON object. */
export function cliJson<T = Record<string, unknown>>(args: string[], options: { cwd?: string } = {}): T {
  const r = runCli([...args, '--json'], options)
  if (r.code !== 0) throw new Error(`activeem ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  const lines = r.stdout.trim().split('\n')
  if (lines.length !== 1)
    throw new Error(`expected one JSON line on stdout, got ${lines.length}: ${r.stdout.slice(0, 500)}`)
  return JSON.parse(lines[0]!) as T
}

/**
 * The options of `activeem train` for a tiny mito model (width 4, depth 2, 4x32x32 windows), without the
 * command and its project: for tests about jobs (resume, cancel), not accuracy.
 */
export function tinyTrainOptions(raw: string, labels: string, iterations: number, name = 'tiny'): string[] {
  return [
    '--task',
    'mito',
    '--name',
    name,
    '--width',
    '4',
    '--depth',
    '2',
    '--window',
    '4,32,32',
    '--raw',
    raw,
    '--labels',
    labels,
    '--iterations',
    String(iterations),
  ]
}

/** `activeem train` of the tiny model ('tiny') in `project`. */
export function tinyTrainArgs(project: string, raw: string, labels: string, iterations: number): string[] {
  return ['train', '--project', project, ...tinyTrainOptions(raw, labels, iterations)]
}

/** `activeem predict` of `raw` by the tiny model (tinyTrainArgs) in `project`, then `more` flags. */
export function tinyPredictArgs(project: string, raw: string, ...more: string[]): string[] {
  return ['predict', '--project', project, '--raw', raw, '--model', 'tiny', ...more]
}

/**
 * The demo's project at a test's size: a trained synapse model, its proposal set, the two VAEs and a
 * round of queries, without the demo's campaign step (its own test runs that).
 */
export function demoProject<T = Record<string, unknown>>(out: string, shape: string, iterations: number): T {
  return cliJson<T>([
    'demo',
    ...['--out', out, '--shape', shape, '--iterations', String(iterations)],
    ...['--epochs', '1', '--rounds', '0'],
  ])
}
