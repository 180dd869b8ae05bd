import { existsSync } from 'node:fs'
import { InputError } from '../errors.ts'
import { detectFormat } from './detect.ts'
import { listHdf5, openHdf5 } from './hdf5.ts'
import { parseSpec } from './spec.ts'
import { openStack } from './stack.ts'
import type { ArrayInfo, Volume, VolumeFormat } from './types.ts'
import { listZarr, openZarr } from './zarr.ts'
import { resolveBox, splitRegionSuffix, SubVolume } from './subvolume.ts'
import { guarded, guardVolume } from './read-guard.ts'

export async function listArrays(path: string): Promise<{ format: VolumeFormat; arrays: ArrayInfo[] }> {
  return guarded(path, 'cannot list arrays', () => listAll(path))
}

async function listAll(path: string): Promise<{ format: VolumeFormat; arrays: ArrayInfo[] }> {
  const format = detectFormat(path)
  if (format === 'hdf5') return { format, arrays: await listHdf5(path) }
  if (format === 'zarr') return { format, arrays: listZarr(path) }
  const stack = openStack(path)
  stack.close()
  return { format, arrays: [stack.info()] }
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
  const format = detectFormat(path)
  if (format === 'hdf5') return openHdf5(path, dataset)
  if (format === 'zarr') return openZarr(path, dataset)
  if (dataset !== null)
    throw new InputError(`${path}: an image stack holds one volume; name it by its path alone`)
  return openStack(path)
}
