import { existsSync } from 'node:fs'
import { InputError } from '../errors.ts'

/** A volume is named PATH#DATASET; PATH alone when the file or group holds one array. */
export interface VolumeSpec {
  path: string
  dataset: string | null
}

export function parseSpec(spec: string): VolumeSpec {
  if (spec.trim() === '') throw new InputError('empty volume name: expected PATH or PATH#DATASET')
  // A path may itself contain '#': prefer the longest existing prefix.
  if (existsSync(spec)) return { path: spec, dataset: null }
  let cut = spec.lastIndexOf('#')
  while (cut > 0) {
    const path = spec.slice(0, cut)
    if (existsSync(path)) {
      const dataset = normaliseDataset(spec.slice(cut + 1))
      return { path, dataset: dataset === '' ? null : dataset }
    }
    cut = spec.lastIndexOf('#', cut - 1)
  }
  const path = spec.includes('#') ? spec.slice(0, spec.lastIndexOf('#')) : spec
  throw new InputError(`${path}: no such file or directory`)
}

export function normaliseDataset(name: string): string {
  return name.replace(/^\/+/, '').replace(/\/+$/, '')
}

export function formatSpec(path: string, dataset: string): string {
  return `${path}#${dataset}`
}
