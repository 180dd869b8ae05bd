import type { Project } from '../store/index.ts'
import type { Strategy } from './strategies/registry.ts'
import type { Suggestion } from './suggest.ts'

export interface RoundQuery {
  rank: number
  roi: number
  cluster: number
  distance: number
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
    const c = db.prepare('INSERT INTO roi_clusters (round_id, roi_id, cluster) VALUES (?, ?, ?)')
    suggestion.assignment.forEach((cluster, i) => c.run(roundId, roiIds[i]!, cluster))
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
