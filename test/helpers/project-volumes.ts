/** Volumes the test projects are built from: a uint8 raw HDF5 file, and a one-channel probability map. */
import type { Project } from '../../src-main/engine/store/index.ts'
import {
  fullRegion,
  loadH5wasm,
  openVolume,
  ZarrV3Writer,
  type Shape3,
} from '../../src-main/engine/volume/index.ts'

type VolumeRole = Parameters<Project['addVolume']>[1]['role']

/** Writes `data` as the uint8 dataset `raw` of a new HDF5 file; its spec, `FILE#raw`. */
export async function writeRawHdf5(
  file: string,
  data: Uint8Array,
  shape: Shape3,
  chunks: Shape3,
): Promise<string> {
  const h5 = await loadH5wasm()
  const f = new h5.File(file, 'w')
  try {
    f.create_dataset({ name: 'raw', data, shape, dtype: '<B', chunks })
  } finally {
    f.close()
  }
  return `${file}#raw`
}

/** Records the volume `spec` in the project by reference, as `project import` does. */
export async function addVolumeSpec(
  project: Project,
  spec: string,
  role: VolumeRole,
  name: string,
): Promise<void> {
  const v = await openVolume(spec)
  try {
    project.addVolume(v, { role, name })
  } finally {
    v.close()
  }
}

/**
 * Writes `p` as the `mito` channel of a Zarr v3 probability map group at `group` predicted from
 * `source`, and records it in the project as the prediction volume `name`.
 */
export async function addMitoMap(
  project: Project,
  group: string,
  o: { source: string; p: Float32Array; shape: Shape3; chunks: Shape3; name: string },
): Promise<void> {
  const writer = new ZarrV3Writer(group)
  await writer.group('', { source: o.source, channels: ['mito'] })
  const array = await writer.array('mito', { shape: o.shape, chunks: o.chunks, dtype: 'float32' })
  await array.writeRegion(fullRegion(o.shape), o.p)
  await addVolumeSpec(project, `${group}#mito`, 'prediction', o.name)
}
