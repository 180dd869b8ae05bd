import { jobParams, jobRecords } from '../jobs/index.ts'
import { proposalSets } from '../proposals/index.ts'
import type { Project } from '../store/index.ts'
import { splitRegionSuffix } from '../volume/index.ts'

/**
 * What in the project was made from a volume, in words a user recognises: proposal sets computed on it
 * (or on its probability map) and the jobs whose inputs named it. Removing or renaming the volume
 * changes none of them (they record the files, not the name), but the user should know before.
 */
export function volumeDependents(project: Project, id: number): string[] {
  const source = project.volume(id).source
  const names = (spec: string | null): boolean =>
    spec !== null &&
    (spec === source || splitRegionSuffix(spec).base === source || source.startsWith(`${spec}#`))
  const out: string[] = []
  for (const set of proposalSets(project)) {
    if (names(set.raw)) out.push(`proposal set ${set.id} (${set.task}) was computed on it`)
    else if (names(set.map)) out.push(`proposal set ${set.id} (${set.task}) was computed from it as its map`)
  }
  for (const job of jobRecords(project)) {
    const params = jobParams(project, job.id)
    if (mentions(params, names)) out.push(`${job.kind} job ${job.id} (${job.state}) read it`)
  }
  return out
}

function mentions(value: unknown, names: (spec: string) => boolean): boolean {
  if (typeof value === 'string') return names(value)
  if (Array.isArray(value)) return value.some((v) => mentions(v, names))
  if (value && typeof value === 'object') return Object.values(value).some((v) => mentions(v, names))
  return false
}
