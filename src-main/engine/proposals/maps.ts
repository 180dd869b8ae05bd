import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { InputError } from '../errors.ts'
import { TASK_CHANNELS, type Task } from '../model/index.ts'
import type { Project } from '../store/index.ts'
import { splitRegionSuffix } from '../volume/index.ts'

export interface ProbabilityMap {
  /** The Zarr group `activeem predict` wrote. */
  group: string
  /** PATH#DATASET of each channel the task needs. */
  channels: Record<string, string>
  /** The raw volume it was predicted from, when the group records it and it is still there. */
  raw: string | null
}

function groupOf(source: string): string {
  return source.slice(0, source.lastIndexOf('#'))
}

/** The raw volume a map group says it was predicted from (with its box), as recorded; null when it says none. */
export function recordedSource(group: string): string | null {
  const meta = join(group, 'zarr.json')
  if (!existsSync(meta)) return null
  try {
    const attrs = (JSON.parse(readFileSync(meta, 'utf8')) as { attributes?: { source?: unknown } }).attributes
    return typeof attrs?.source === 'string' && attrs.source !== '' ? attrs.source : null
  } catch {
    return null
  }
}

function rawOf(group: string): string | null {
  const source = recordedSource(group)
  if (!source) return null
  // Maps of ActiveEM 0.1 recorded the raw as typed on the command line: usable only when absolute.
  const base = splitRegionSuffix(source).base
  const cut = base.lastIndexOf('#')
  const path = cut > 0 ? base.slice(0, cut) : base
  return isAbsolute(path) && existsSync(path) ? source : null
}

/**
 * The probability map proposals start from: `name` as a group path or the name of one of its channel
 * volumes, else the newest map in the project with every channel the task needs.
 */
export function findProbabilityMap(project: Project, task: Task, name?: string): ProbabilityMap {
  const needed = TASK_CHANNELS[task]
  const groups = new Map<string, Map<string, string>>()
  for (const v of project.volumes()) {
    const cut = v.source.lastIndexOf('#')
    if (v.role !== 'prediction' || v.format !== 'zarr' || cut < 0) continue
    const group = groupOf(v.source)
    if (!groups.has(group)) groups.set(group, new Map())
    groups.get(group)!.set(v.source.slice(cut + 1), v.source)
    if (name !== undefined && v.name === name) name = group
  }
  const fits = (channels: Map<string, string>): boolean => needed.every((c) => channels.has(c))
  let chosen: string | undefined
  if (name !== undefined) {
    const wanted = resolve(name)
    const channels = groups.get(wanted)
    if (!channels)
      throw new InputError(
        `--map ${name}: not a probability map of this project (maps: ${[...groups.keys()].join(', ') || 'none'})`,
      )
    if (!fits(channels))
      throw new InputError(
        `--map ${name}: has channels ${[...channels.keys()].join(', ')}, the ${task} task needs ${needed.join(', ')}`,
      )
    chosen = wanted
  } else {
    chosen = [...groups.entries()].filter(([, c]) => fits(c)).at(-1)?.[0]
    if (!chosen)
      throw new InputError(
        `${project.dir}: no ${task} probability map (channels ${needed.join(', ')}); run 'activeem predict' with a ${task} model first`,
      )
  }
  const channels = groups.get(chosen)!
  return {
    group: chosen,
    channels: Object.fromEntries(needed.map((c) => [c, channels.get(c)!])),
    raw: rawOf(chosen),
  }
}
