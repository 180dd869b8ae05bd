/**
 * What the viewer can show: the image volumes and probability maps of the project and of its proposal
 * set, as the toolbar lists them, and which of each it starts with.
 */
import type { RoiSetInfo, VolumeRecord } from '../../../src-shared/contract.ts'

export interface SourceOption {
  spec: string
  label: string
}

type SetSources = Pick<RoiSetInfo, 'setId' | 'raw' | 'channels'>
type Volume = Pick<VolumeRecord, 'source' | 'name' | 'role'>

/** FILE#DATASET without the folders, for labels and messages. */
export function shortSpec(spec: string): string {
  const [path, dataset] = spec.split('#')
  return `${path!.split(/[\\/]/).pop()}${dataset ? `#${dataset}` : ''}`
}

/** The set's raw volume first, then the project's raw volumes, then its other volumes; each spec once. */
export function volumeOptions(set: SetSources | null, volumes: readonly Volume[]): SourceOption[] {
  const options: SourceOption[] = []
  const seen = new Set<string>()
  const add = (spec: string, label: string): void => {
    if (seen.has(spec)) return
    seen.add(spec)
    options.push({ spec, label })
  }
  if (set?.raw) {
    const setRaw = set.raw
    const known = volumes.find((v) => v.source === setRaw)
    add(setRaw, `${known?.name ?? shortSpec(setRaw)} · set ${set.setId}`)
  }
  for (const v of volumes.filter((v) => v.role === 'raw')) add(v.source, v.name)
  for (const v of volumes.filter((v) => v.role !== 'raw')) add(v.source, `${v.name} (${v.role})`)
  return options
}

/** The set's probability channels, then the project's prediction volumes that are not among them. */
export function overlayOptions(set: SetSources | null, volumes: readonly Volume[]): SourceOption[] {
  const options: SourceOption[] = []
  const seen = new Set<string>()
  for (const c of set?.channels ?? []) {
    seen.add(c.spec)
    options.push({ spec: c.spec, label: `${c.name} (set ${set!.setId})` })
  }
  for (const v of volumes)
    if (v.role === 'prediction' && !seen.has(v.source)) options.push({ spec: v.source, label: v.name })
  return options
}

/** The image shown first: the remembered one while it is still listed, else the set's raw, the first raw volume, any. */
export function startingVolume(
  remembered: string | null,
  set: SetSources | null,
  volumes: readonly Volume[],
): string | null {
  const specs = volumeOptions(set, volumes).map((o) => o.spec)
  const firstRaw = volumes.find((v) => v.role === 'raw')?.source
  return (
    (remembered && specs.includes(remembered) ? remembered : null) ?? set?.raw ?? firstRaw ?? specs[0] ?? null
  )
}

/** The map shown first: the remembered one while it is still listed, else the set's union or mito channel, any. */
export function startingOverlay(
  remembered: string | null,
  set: SetSources | null,
  volumes: readonly Volume[],
): string | null {
  const maps = overlayOptions(set, volumes).map((o) => o.spec)
  const preferred = set?.channels.find((c) => c.name === 'union' || c.name === 'mito')?.spec
  return (remembered && maps.includes(remembered) ? remembered : null) ?? preferred ?? maps[0] ?? null
}

/** The project's label volumes, any of which can be overlaid on the image. */
export function labelOptions(volumes: readonly Volume[]): SourceOption[] {
  return volumes.filter((v) => v.role === 'labels').map((v) => ({ spec: v.source, label: v.name }))
}
