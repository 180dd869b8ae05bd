import type Database from 'better-sqlite3'

/** Which numbers of a progress event are curves: losses and quality metrics, not rates or counters. */
const CURVE_NAME = /(loss|dice|f1|accuracy|inertia)$/i

export interface SeriesPoint {
  step: number
  name: string
  value: number
}

/**
 * Loss and metric values of a job between two progress writes. Each write stores one point per name:
 * the last value since the last write, at its step, so the stored curve grows by at most one point per
 * name a second however fast the work reports, and its points are the very figures the progress
 * messages and summaries showed (the work smooths its losses itself, see `recentLoss`).
 */
export class SeriesBuffer {
  private readonly pending = new Map<string, { value: number; step: number }>()
  /** The x of work that reports no iteration: its progress calls, counted on from a resumed run's last. */
  private counter = 0

  add(detail: Record<string, unknown>): void {
    const iteration = detail.iteration
    const step = typeof iteration === 'number' && Number.isFinite(iteration) ? iteration : ++this.counter
    for (const [name, value] of Object.entries(detail)) {
      if (!CURVE_NAME.test(name) || typeof value !== 'number' || !Number.isFinite(value)) continue
      this.pending.set(name, { value, step })
    }
  }

  flush(db: Database.Database, jobId: number): void {
    if (this.pending.size === 0) return
    const insert = db.prepare(
      'INSERT OR REPLACE INTO job_points (job_id, name, step, value) VALUES (?, ?, ?, ?)',
    )
    for (const [name, p] of this.pending) insert.run(jobId, name, p.step, p.value)
    this.pending.clear()
  }

  /** A resumed job's counted steps go on after its stored ones rather than overwrite them. */
  resumeAfter(db: Database.Database, jobId: number): void {
    const row = db.prepare('SELECT MAX(step) AS step FROM job_points WHERE job_id = ?').get(jobId) as {
      step: number | null
    }
    this.counter = Math.max(this.counter, Math.floor(row.step ?? 0))
  }
}

/**
 * A job's curves for display: at most `maxPoints` per name, each bucket of consecutive points shown by
 * its last (a long training run has thousands; a 300-pixel plot needs a few hundred), so the curve's
 * last point is the job's last figure.
 */
export function readSeries(db: Database.Database, jobId: number, maxPoints = 300): SeriesPoint[] {
  return db
    .prepare(
      `SELECT name, step, value FROM (
         SELECT name, step, value,
           ROW_NUMBER() OVER (PARTITION BY name, bucket ORDER BY step DESC) AS rank
         FROM (
           SELECT name, step, value, ntile(?) OVER (PARTITION BY name ORDER BY step) AS bucket
           FROM job_points WHERE job_id = ?
         )
       ) WHERE rank = 1 ORDER BY name, step`,
    )
    .all(maxPoints, jobId) as SeriesPoint[]
}
