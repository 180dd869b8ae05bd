import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../engine/errors.ts'
import type { HandlerContext, Handlers } from './types.ts'

/** Kept beside the database, not in it: view state is a convenience, never worth a migration or a lock. */
export const UI_STATE_FILE = 'ui-state.json'
const MAX_VALUE_BYTES = 64 * 1024

function stateFile(dir: string, ctx: HandlerContext): string {
  return ctx.projects.use(dir, (project) => join(project.dir, UI_STATE_FILE)) // checks that dir is a project
}

function read(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {}
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'))
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {}
  } catch {
    return {} // a damaged file only loses remembered views; the next save rewrites it
  }
}

/** What every screen saved for the project, by key. */
export function readUiState(dir: string, ctx: HandlerContext): Record<string, unknown> {
  return read(stateFile(dir, ctx))
}

export function writeUiState(dir: string, ctx: HandlerContext, key: string, value: unknown): void {
  const text = JSON.stringify(value ?? null)
  if (text.length > MAX_VALUE_BYTES)
    throw new InputError(`ui.state.set ${key}: ${text.length} bytes, at most ${MAX_VALUE_BYTES}`)
  const file = stateFile(dir, ctx)
  const state = read(file)
  state[key] = value ?? null
  // Temp file (one per process: the desktop app and a web host may share a project) and rename: a
  // crash mid-write leaves the previous state, not half a file.
  const temp = `${file}.${process.pid}.tmp`
  writeFileSync(temp, JSON.stringify(state, null, 1))
  renameSync(temp, file)
}

export const uiStateHandlers: Pick<Handlers, 'ui.state.get' | 'ui.state.set'> = {
  'ui.state.get': async ({ dir }, ctx) => readUiState(dir, ctx),

  'ui.state.set': async ({ dir, key, value }, ctx) => {
    writeUiState(dir, ctx, key, value)
    return { saved: true as const }
  },
}
