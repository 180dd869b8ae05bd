import { cpSync, existsSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { jobParamsOfKind } from '../jobs/index.ts'
import { listModels, type ModelRecord } from '../model/index.ts'
import type { ProposalSet } from '../proposals/index.ts'
import type { Project } from '../store/index.ts'

export interface ExportedModel {
  kind: 'unet' | 'vae-image' | 'vae-mask'
  /** Folder inside the export. */
  path: string
  name: string
  /** The U-Net's registry entry (task, config, metrics); null for the VAEs (their vae.json holds it). */
  record: Omit<ModelRecord, 'id'> | null
}

/**
 * The U-Net whose probability map the set was cut from: the predict job that wrote the map names it;
 * failing that, the map's folder name carries it (`<raw>__<model>_<hash>.zarr`).
 */
export function unetOfSet(project: Project, set: ProposalSet): ModelRecord | null {
  const models = listModels(project)
  for (const params of jobParamsOfKind(project, 'predict')) {
    const p = params as { out?: string; model?: string }
    if (!p.out || !p.model || resolve(p.out) !== resolve(set.map)) continue
    const found =
      models.find((m) => resolve(project.dir, m.path) === resolve(p.model!)) ??
      models.find((m) => m.name === basename(p.model!))
    if (found) return found
  }
  const fromName = /__(.+)_[0-9a-f]+\.zarr$/.exec(basename(set.map))?.[1]
  return models.find((m) => m.name === fromName) ?? null
}

/** Copies the set's U-Net and its two VAEs (what exists of them) into `out/models`. */
export function copyModels(project: Project, set: ProposalSet, out: string): ExportedModel[] {
  const copied: ExportedModel[] = []
  const unet = unetOfSet(project, set)
  if (unet && existsSync(resolve(project.dir, unet.path))) {
    const path = join('models', 'unet', unet.name)
    cpSync(resolve(project.dir, unet.path), join(out, path), { recursive: true })
    const { id: _id, ...record } = unet
    copied.push({ kind: 'unet', path, name: unet.name, record })
  }
  for (const kind of ['vae-image', 'vae-mask'] as const) {
    const from = join(project.dir, set.dir, kind)
    if (!existsSync(from)) continue
    const path = join('models', kind)
    cpSync(from, join(out, path), { recursive: true })
    copied.push({ kind, path, name: kind, record: null })
  }
  return copied
}
