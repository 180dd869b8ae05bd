import type { JobRecord } from '../../../src-shared/contract.ts'
import type { Project } from '../store/index.ts'

/**
 * What other stages read of earlier jobs: the project's job list, and the parameters or result of a
 * job that finished (a step killed after its work was done takes that work as its own).
 */

interface JobRecordRow {
  id: number
  kind: string
  state: JobRecord['state']
  progress: number
  message: string | null
  created_at: string
  updated_at: string
}

/** Every job of the project, oldest first, as the project summary lists them. */
export function jobRecords(project: Project): JobRecord[] {
  const rows = project.db
    .prepare('SELECT id, kind, state, progress, message, created_at, updated_at FROM jobs ORDER BY id')
    .all() as JobRecordRow[]
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    state: r.state,
    progress: r.progress,
    message: r.message,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }))
}

/** The parameters a job was started with; null when there is no such job. */
export function jobParams(project: Project, id: number): unknown {
  const row = project.db.prepare('SELECT params FROM jobs WHERE id = ?').get(id) as
    { params: string } | undefined
  return row ? (JSON.parse(row.params) as unknown) : null
}

/** The parameters of every job of `kind`, newest first. */
export function jobParamsOfKind(project: Project, kind: string): unknown[] {
  const rows = project.db
    .prepare('SELECT params FROM jobs WHERE kind = ? ORDER BY id DESC')
    .all(kind) as Array<{ params: string }>
  return rows.map((r) => JSON.parse(r.params) as unknown)
}

/** The parameters of the newest done job of `kind` and `key` (same inputs); null when none finished. */
export function doneJobParams(project: Project, kind: string, key: string): unknown {
  const row = project.db
    .prepare("SELECT params FROM jobs WHERE kind = ? AND key = ? AND state = 'done' ORDER BY id DESC LIMIT 1")
    .get(kind, key) as { params: string } | undefined
  return row ? (JSON.parse(row.params) as unknown) : null
}

/** The result of the newest done job of `kind` whose params hold `param: value`; null when none has one. */
export function doneJobResult(
  project: Project,
  kind: string,
  param: string,
  value: string | number,
): Record<string, unknown> | null {
  const row = project.db
    .prepare(
      `SELECT result FROM jobs WHERE kind = ? AND state = 'done' AND json_extract(params, '$.${param}') = ? ORDER BY id DESC LIMIT 1`,
    )
    .get(kind, value) as { result: string | null } | undefined
  return row?.result ? (JSON.parse(row.result) as Record<string, unknown>) : null
}

/** The newest done job of `kind` and its result, whatever its options. */
export function newestDoneResult(
  project: Project,
  kind: string,
): { id: number; result: Record<string, unknown> } | null {
  const row = project.db
    .prepare(
      "SELECT id, result FROM jobs WHERE kind = ? AND state = 'done' AND result IS NOT NULL ORDER BY id DESC LIMIT 1",
    )
    .get(kind) as { id: number; result: string } | undefined
  return row ? { id: row.id, result: JSON.parse(row.result) as Record<string, unknown> } : null
}
