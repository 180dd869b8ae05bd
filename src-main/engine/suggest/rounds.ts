import type { Project } from '../store/index.ts'
import type { Strategy } from './strategies/registry.ts'
import type { Suggestion } from './suggest.ts'

export interface RoundQuery {
  rank: number
  roi: number
  cluster: number
  distance: number
}

/** An ROI's cluster in a round, and the first-stream cluster above it (null: the strategy has none, or the round predates it). */
export interface RoiCluster {
  roi: number
  cluster: number
  parent: number | null
}

export interface Round {
  id: number
  setId: number
  number: number
  strategy: Strategy
  params: Record<string, unknown>
  notes: string[]
  createdAt: string
  queries: RoundQuery[]
}

/** A round as an export carries it: every ROI's cluster with it. */
export type RoundRecord = Round & { clusters: RoiCluster[] }

function insertClusters(project: Project, roundId: number, clusters: readonly RoiCluster[]): void {
  const c = project.db.prepare(
    'INSERT INTO roi_clusters (round_id, roi_id, cluster, parent) VALUES (?, ?, ?, ?)',
  )
  for (const r of clusters) c.run(roundId, r.roi, r.cluster, r.parent)
}

/** Stores a suggestion as the set's next round (queries in display order, every ROI's cluster), in one transaction. */
export function saveRound(
  project: Project,
  setId: number,
  roiIds: ArrayLike<number>,
  suggestion: Suggestion,
  params: Record<string, unknown>,
): Round {
  const db = project.db
  const id = db.transaction(() => {
    const row = db
      .prepare('SELECT COALESCE(MAX(number), 0) + 1 AS next FROM rounds WHERE set_id = ?')
      .get(setId) as {
      next: number
    }
    const info = db
      .prepare(
        'INSERT INTO rounds (set_id, number, strategy, params, notes, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(
        setId,
        row.next,
        suggestion.strategy,
        JSON.stringify(params),
        JSON.stringify(suggestion.notes),
        new Date().toISOString(),
      )
    const roundId = Number(info.lastInsertRowid)
    const q = db.prepare(
      'INSERT INTO queries (round_id, rank, roi_id, cluster, distance) VALUES (?, ?, ?, ?, ?)',
    )
    suggestion.queries.forEach((query, rank) =>
      q.run(roundId, rank, roiIds[query.index]!, query.cluster, query.distance),
    )
    insertClusters(
      project,
      roundId,
      Array.from(suggestion.assignment, (cluster, i) => ({
        roi: roiIds[i]!,
        cluster,
        parent: suggestion.parents?.assignment[i] ?? null,
      })),
    )
    return roundId
  })()
  return round(project, id)!
}

export function round(project: Project, id: number): Round | null {
  const r = project.db.prepare('SELECT * FROM rounds WHERE id = ?').get(id) as
    | {
        id: number
        set_id: number
        number: number
        strategy: Strategy
        params: string
        notes: string
        created_at: string
      }
    | undefined
  if (!r) return null
  const queries = project.db
    .prepare('SELECT rank, roi_id AS roi, cluster, distance FROM queries WHERE round_id = ? ORDER BY rank')
    .all(id) as RoundQuery[]
  return {
    id: r.id,
    setId: r.set_id,
    number: r.number,
    strategy: r.strategy,
    params: JSON.parse(r.params) as Record<string, unknown>,
    notes: JSON.parse(r.notes) as string[],
    createdAt: r.created_at,
    queries,
  }
}

/** ROI ids queried in any earlier round of the set. */
export function queriedRois(project: Project, setId: number): Set<number> {
  const rows = project.db
    .prepare(
      'SELECT DISTINCT q.roi_id AS roi FROM queries q JOIN rounds r ON r.id = q.round_id WHERE r.set_id = ?',
    )
    .all(setId) as Array<{ roi: number }>
  return new Set(rows.map((r) => r.roi))
}

/** The latest round of the set, or without a set the latest round of the newest set that has one. */
export function latestRound(project: Project, setId?: number): { id: number; number: number } | null {
  const r = (
    setId === undefined
      ? project.db.prepare('SELECT id, number FROM rounds ORDER BY set_id DESC, number DESC LIMIT 1').get()
      : project.db
          .prepare('SELECT id, number FROM rounds WHERE set_id = ? ORDER BY number DESC LIMIT 1')
          .get(setId)
  ) as { id: number; number: number } | undefined
  return r ?? null
}

/** The set's rounds as they were made, without their queries. */
export function roundList(
  project: Project,
  setId: number,
): Array<{ id: number; number: number; createdAt: string }> {
  return project.db
    .prepare('SELECT id, number, created_at AS createdAt FROM rounds WHERE set_id = ? ORDER BY id')
    .all(setId) as Array<{ id: number; number: number; createdAt: string }>
}

/** Every round of the project, set by set and in order, without their queries. */
export function allRounds(
  project: Project,
): Array<{ id: number; setId: number; number: number; strategy: Strategy; createdAt: string }> {
  return project.db
    .prepare(
      'SELECT id, set_id AS setId, number, strategy, created_at AS createdAt FROM rounds ORDER BY set_id, number',
    )
    .all() as Array<{ id: number; setId: number; number: number; strategy: Strategy; createdAt: string }>
}

/** The set a round belongs to, or null when there is no such round. */
export function roundSetOf(project: Project, roundId: number): number | null {
  const r = project.db.prepare('SELECT set_id FROM rounds WHERE id = ?').get(roundId) as
    { set_id: number } | undefined
  return r?.set_id ?? null
}

/** Every ROI's cluster in the round, by ROI id. */
export function roundClusters(project: Project, roundId: number): RoiCluster[] {
  return project.db
    .prepare('SELECT roi_id AS roi, cluster, parent FROM roi_clusters WHERE round_id = ? ORDER BY roi_id')
    .all(roundId) as RoiCluster[]
}

/** The set's rounds in order, each with every ROI's cluster. */
export function roundsOf(project: Project, setId: number): RoundRecord[] {
  const ids = project.db
    .prepare('SELECT id FROM rounds WHERE set_id = ? ORDER BY number')
    .all(setId) as Array<{ id: number }>
  return ids.map(({ id }) => ({ ...round(project, id)!, clusters: roundClusters(project, id) }))
}

/** A round restored under its own id (import); the caller holds the transaction. */
export function restoreRound(project: Project, r: RoundRecord): void {
  const db = project.db
  db.prepare(
    'INSERT INTO rounds (id, set_id, number, strategy, params, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(r.id, r.setId, r.number, r.strategy, JSON.stringify(r.params), JSON.stringify(r.notes), r.createdAt)
  const query = db.prepare(
    'INSERT INTO queries (round_id, rank, roi_id, cluster, distance) VALUES (?, ?, ?, ?, ?)',
  )
  for (const q of r.queries) query.run(r.id, q.rank, q.roi, q.cluster, q.distance)
  insertClusters(project, r.id, r.clusters)
}
