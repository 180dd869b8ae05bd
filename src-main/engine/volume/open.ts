import { detectFormat } from './detect.ts'
import { listHdf5, openHdf5 } from './hdf5.ts'
import { parseSpec } from './spec.ts'
import type { ArrayInfo, Volume, VolumeFormat } from './types.ts'
import { listZarr, openZarr } from './zarr.ts'

export async function listArrays(path: string): Promise<{ format: VolumeFormat; arrays: ArrayInfo[] }> {
  const format = detectFormat(path)
  const arrays = format === 'hdf5' ? await listHdf5(path) : listZarr(path)
  return { format, arrays }
}

/** Opens PATH#DATASET (or PATH holding one array) as a lazily read 3D volume. */
export async function openVolume(spec: string): Promise<Volume> {
  const { path, dataset } = parseSpec(spec)
  const format = detectFormat(path)
  return format === 'hdf5' ? openHdf5(path, dataset) : openZarr(path, dataset)
}
