import { join } from 'node:path'
import { InputError } from '../errors.ts'
import type { Project } from '../store/index.ts'
import type { ModelConfig, Task } from './config.ts'

export interface ModelRecord {
  id: number
  name: string
  task: Task
  path: string
  config: ModelConfig
  metrics: Record<string, unknown> | null
  createdAt: string
}

interface Row {
  id: number
  name: string
  task: Task
  path: string
  config: string
  metrics: string | null
  created_at: string
}

const toRecord = (r: Row): ModelRecord => ({
  id: r.id,
  name: r.name,
  task: r.task,
  path: r.path,
  config: JSON.parse(r.config) as ModelConfig,
  metrics: r.metrics ? (JSON.parse(r.metrics) as Record<string, unknown>) : null,
  createdAt: r.created_at,
})

export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export function modelDir(project: Project, name: string): string {
  if (!MODEL_NAME.test(name))
    throw new InputError(`--name '${name}': expected letters, digits, '.', '_' or '-' (at most 64)`)
  return join(project.dir, 'models', name)
}

export function recordModel(
  project: Project,
  name: string,
  config: ModelConfig,
  metrics: Record<string, unknown>,
): ModelRecord {
  project.db
    .prepare(
      `INSERT INTO models (name, task, path, config, metrics, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET config = excluded.config, metrics = excluded.metrics, created_at = excluded.created_at`,
    )
    .run(
      name,
      config.task,
      join('models', name),
      JSON.stringify(config),
      JSON.stringify(metrics),
      new Date().toISOString(),
    )
  return findModel(project, name)!
}

/** A registry entry as an export carried it, its creation time kept (import). */
export function restoreModel(project: Project, m: Omit<ModelRecord, 'id'>): void {
  project.db
    .prepare('INSERT INTO models (name, task, path, config, metrics, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(
      m.name,
      m.task,
      m.path,
      JSON.stringify(m.config),
      m.metrics ? JSON.stringify(m.metrics) : null,
      m.createdAt,
    )
}

export function findModel(project: Project, name: string): ModelRecord | null {
  const row = project.db.prepare('SELECT * FROM models WHERE name = ?').get(name) as Row | undefined
  return row ? toRecord(row) : null
}

/** The named model, or the newest one (of the task, if given); a clear error when there is none. */
export function resolveModel(
  project: Project,
  name: string | undefined,
  task: Task | undefined,
): ModelRecord {
  if (name !== undefined) {
    const found = findModel(project, name)
    if (!found)
      throw new InputError(
        `--model '${name}': no such model in ${project.dir} (${
          listModels(project)
            .map((m) => m.name)
            .join(', ') || 'none trained yet'
        })`,
      )
    if (task && found.task !== task)
      throw new InputError(`--model '${name}': is a ${found.task} model, expected a ${task} model`)
    return found
  }
  const candidates = listModels(project).filter((m) => !task || m.task === task)
  const newest = candidates.at(-1)
  if (!newest)
    throw new InputError(
      `${project.dir}: no ${task ?? ''} model trained yet; run 'activeem train' first`.replace('  ', ' '),
    )
  return newest
}

export function listModels(project: Project): ModelRecord[] {
  return (project.db.prepare('SELECT * FROM models ORDER BY created_at, id').all() as Row[]).map(toRecord)
}
