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
 * the mean of the values since the last write, at the step of the last one, so the stored curve grows
 * by at most one point per name a second however fast the work reports.
 */
export class SeriesBuffer {
  private readonly pending = new Map<string, { sum: number; n: number; step: number }>()
  /** The x of work that reports no iteration: its progress calls, counted on from a resumed run's last. */
  private counter = 0

  add(detail: Record<string, unknown>): void {
    const iteration = detail.iteration
    const step = typeof iteration === 'number' && Number.isFinite(iteration) ? iteration : ++this.counter
    for (const [name, value] of Object.entries(detail)) {
      if (!CURVE_NAME.test(name) || typeof value !== 'number' || !Number.isFinite(value)) continue
      const p = this.pending.get(name)
      if (p) {
        p.sum += value
        p.n++
        p.step = step
      } else this.pending.set(name, { sum: value, n: 1, step })
    }
  }

  flush(db: Database.Database, jobId: number): void {
    if (this.pending.size === 0) return
    const insert = db.prepare(
      'INSERT OR REPLACE INTO job_points (job_id, name, step, value) VALUES (?, ?, ?, ?)',
    )
    for (const [name, p] of this.pending) insert.run(jobId, name, p.step, p.sum / p.n)
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
 * A job's curves for display: at most `maxPoints` per name, consecutive points averaged into buckets
 * (a long training run has thousands; a 300-pixel plot needs a few hundred).
 */
export function readSeries(db: Database.Database, jobId: number, maxPoints = 300): SeriesPoint[] {
  return db
    .prepare(
      `SELECT name, MAX(step) AS step, AVG(value) AS value FROM (
         SELECT name, step, value, ntile(?) OVER (PARTITION BY name ORDER BY step) AS bucket
         FROM job_points WHERE job_id = ?
       ) GROUP BY name, bucket ORDER BY name, step`,
    )
    .all(maxPoints, jobId) as SeriesPoint[]
}
