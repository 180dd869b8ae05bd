import { createHash } from 'node:crypto'
import { join, resolve } from 'node:path'
import type { VolumeRecord } from '../../../src-shared/contract.ts'
import { InputError } from '../errors.ts'
import { Job, runJob } from '../jobs/index.ts'
import type { StageOptions } from '../stage-options.ts'
import type { Project } from '../store/index.ts'
import { findMultiscale, parseSpec } from '../volume/index.ts'
import type { LabelRule } from './downsample.ts'
import type { Voxel } from './plan.ts'
import { buildPyramid, type PyramidResult } from './pyramid.ts'
import { registerLevels } from './registry.ts'

export interface VolumePyramidOptions extends StageOptions {
  project: Project
  /** A volume of the project by name, or PATH#DS (registered when it is the source of a project volume). */
  source: string
  /** Default: DIR/pyramids/<volume name>.zarr. */
  out?: string
  /** Default: labels for a labels volume, image otherwise. */
  kind?: 'image' | 'labels'
  rule?: LabelRule
  /** Default: the voxel size the project recorded for the volume. */
  voxel?: Voxel
}

export interface VolumePyramidResult extends PyramidResult {
  /** The project volume the levels were registered for; null for a source the project does not hold. */
  volume: string | null
  jobId: number
}

/** Folder-safe: a volume name may hold '/' (FILE/DATASET) or anything else a user typed. */
function fileName(volume: string): string {
  return volume.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'volume'
}

function findVolume(project: Project, source: string): VolumeRecord | null {
  const volumes = project.volumes()
  const byName = volumes.find((v) => v.name === source)
  if (byName) return byName
  let spec
  try {
    spec = parseSpec(source)
  } catch {
    const names = volumes.map((v) => `'${v.name}'`).join(', ') || 'none'
    throw new InputError(
      `${project.dir}: no volume named '${source}' and no such file (volumes: ${names}); give a volume's name or PATH#DATASET`,
    )
  }
  const wanted = spec.dataset === null ? resolve(spec.path) : `${resolve(spec.path)}#${spec.dataset}`
  return volumes.find((v) => v.source === wanted) ?? null
}

/**
 * `activeem pyramid --project`: the levels of a project volume built as a job of the project
 * (resumed like any job: its chunks are kept) and, once complete, registered as that volume's levels.
 */
export async function buildVolumePyramid(o: VolumePyramidOptions): Promise<VolumePyramidResult> {
  const volume = findVolume(o.project, o.source)
  if (volume) {
    const own = findMultiscale(volume.source)
    if (own)
      throw new InputError(
        `${volume.name}: already has ${own.levels.length} level(s) in its OME-Zarr group ${own.group}; nothing to build`,
      )
  }
  if (!volume && o.out === undefined)
    throw new InputError(`pyramid: ${o.source} is not a volume of ${o.project.dir}: give --out`)
  const source = volume?.source ?? o.source
  const out = resolve(o.out ?? join(o.project.dir, 'pyramids', `${fileName(volume!.name)}.zarr`))
  const kind = o.kind ?? (volume?.role === 'labels' ? 'labels' : 'image')
  const rule = o.rule ?? 'mode'
  const voxel = o.voxel ?? volume?.voxelSizeNm ?? undefined
  const key = createHash('sha256')
    .update(JSON.stringify([source, out, kind, kind === 'labels' ? rule : 'mean', voxel ?? null]))
    .digest('hex')
    .slice(0, 32)
  const job = Job.startOrResume(o.project, 'pyramid', key, {
    volume: volume?.name ?? null,
    source,
    out,
    kind,
    rule,
    voxel: voxel ?? null,
  })
  const result = await runJob(
    job,
    async () => {
      const r = await buildPyramid({
        source,
        out,
        kind,
        rule,
        ...(voxel ? { voxel } : {}),
        signal: o.signal,
        onProgress: (e) => {
          job.progress(e.fraction, e.message)
          o.onProgress?.(e)
        },
      })
      if (volume) registerLevels(o.project, volume.id, r.out)
      return { ...r, volume: volume?.name ?? null, jobId: job.id }
    },
    (r) => `${r.levels.length} levels${r.volume ? ` of ${r.volume}` : ''} in ${r.out}`,
  )
  return result
}
