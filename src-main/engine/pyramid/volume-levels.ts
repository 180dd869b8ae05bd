import type { VolumeRecord } from '../../../src-shared/contract.ts'
import { isInputError, messageOf } from '../errors.ts'
import { listJobs } from '../jobs/index.ts'
import type { Project } from '../store/index.ts'
import { findMultiscale, readMultiscale, type Multiscale } from '../volume/index.ts'
import { registeredLevels } from './registry.ts'

export interface ProjectVolumeLevels {
  volumeId: number
  /** `source`: the volume is a level of an OME-Zarr multiscale group; `pyramid`: one was built for it. */
  origin: 'source' | 'pyramid' | null
  multiscale: Multiscale | null
  /** The pyramid job building this volume's levels now, if one runs. */
  job: { id: number; progress: number } | null
  /** Why the levels could not be read (a moved pyramid, damaged metadata); the volume itself is fine. */
  error: string | null
}

/**
 * The levels of a project volume: its own when its source is part of an OME-Zarr multiscale group
 * (nothing to build), else the pyramid registered for it, else none. Bad metadata is an InputError.
 */
export function volumeLevels(
  project: Project,
  volume: VolumeRecord,
  registered = registeredLevels(project),
): { origin: 'source' | 'pyramid'; multiscale: Multiscale } | null {
  const own = findMultiscale(volume.source)
  if (own) return { origin: 'source', multiscale: own }
  const group = registered.get(volume.id)
  return group === undefined ? null : { origin: 'pyramid', multiscale: readMultiscale(group) }
}

/**
 * Whether a live pyramid job builds this volume's levels: its own params name the volume once it runs;
 * before that, the launch row holds only the arguments the window passed (the name among them).
 */
function builds(params: unknown, name: string): boolean {
  const p = (typeof params === 'object' && params !== null ? params : {}) as {
    volume?: unknown
    args?: unknown
  }
  if (p.volume !== undefined) return p.volume === name
  return Array.isArray(p.args) && p.args.includes(name)
}

/** Every volume of the project with its levels, or the job building them, or why they cannot be read. */
export function projectLevels(project: Project): ProjectVolumeLevels[] {
  const registered = registeredLevels(project)
  const building = listJobs(project).filter((j) => j.kind === 'pyramid' && j.alive)
  return project.volumes().map((volume) => {
    const running = building.find((j) => builds(j.params, volume.name))
    const job = running ? { id: running.id, progress: running.progress } : null
    try {
      const found = volumeLevels(project, volume, registered)
      return {
        volumeId: volume.id,
        origin: found?.origin ?? null,
        multiscale: found?.multiscale ?? null,
        job,
        error: null,
      }
    } catch (e) {
      if (!isInputError(e)) throw e
      return { volumeId: volume.id, origin: null, multiscale: null, job, error: messageOf(e) }
    }
  })
}
