import { existsSync } from 'node:fs'
import { detectFormat, FORMATS } from './formats.ts'
import { parseSpec } from './spec.ts'
import type { ArrayInfo, Volume, VolumeFormat } from './types.ts'
import { resolveBox, splitRegionSuffix, SubVolume } from './subvolume.ts'
import { guarded, guardVolume } from './read-guard.ts'

export async function listArrays(path: string): Promise<{ format: VolumeFormat; arrays: ArrayInfo[] }> {
  return guarded(path, 'cannot list arrays', () => listAll(path))
}

async function listAll(path: string): Promise<{ format: VolumeFormat; arrays: ArrayInfo[] }> {
  const format = detectFormat(path)
  return { format, arrays: await FORMATS[format].list(path) }
}

/**
 * Opens PATH#DATASET (or PATH holding one array) as a lazily read 3D volume; a trailing
 * [z0:z1,y0:y1,x0:x1] opens that box of it (a held-out part, a pool) without copying anything.
 */
export async function openVolume(spec: string): Promise<Volume> {
  return guardVolume(await guarded(spec, 'cannot open', () => openBoxed(spec)))
}

async function openBoxed(spec: string): Promise<Volume> {
  const { base, box } = existsSync(spec) ? { base: spec, box: null } : splitRegionSuffix(spec)
  if (!box) return openWhole(spec)
  const whole = await openWhole(base)
  try {
    return new SubVolume(whole, resolveBox(spec, whole.shape, box))
  } catch (e) {
    whole.close()
    throw e
  }
}

async function openWhole(spec: string): Promise<Volume> {
  const { path, dataset } = parseSpec(spec)
  return FORMATS[detectFormat(path)].open(path, dataset)
}
