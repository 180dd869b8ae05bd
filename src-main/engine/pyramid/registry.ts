import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import type { Project } from '../store/index.ts'

/**
 * The pyramids built for a project's volumes (table volume_levels), one group per volume. A pyramid
 * inside the project folder is kept relative to it, so a project moved whole keeps its levels.
 */
export function registerLevels(project: Project, volumeId: number, group: string): void {
  const abs = resolve(group)
  const rel = relative(project.dir, abs)
  const stored = rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel) ? rel : abs
  project.db
    .prepare(
      `INSERT INTO volume_levels (volume_id, path, registered_at) VALUES (?, ?, ?)
       ON CONFLICT (volume_id) DO UPDATE SET path = excluded.path, registered_at = excluded.registered_at`,
    )
    .run(volumeId, stored, new Date().toISOString())
}

/** Volume id -> the absolute path of the pyramid registered for it. */
export function registeredLevels(project: Project): Map<number, string> {
  const rows = project.db.prepare('SELECT volume_id, path FROM volume_levels').all() as Array<{
    volume_id: number
    path: string
  }>
  return new Map(rows.map((r) => [r.volume_id, isAbsolute(r.path) ? r.path : join(project.dir, r.path)]))
}
