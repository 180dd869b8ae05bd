import type { DType, TypedArray } from '../volume/index.ts'

export type ExportFormat = 'hdf5' | 'zarr'

export const EXPORT_FORMATS: readonly ExportFormat[] = ['hdf5', 'zarr']

export interface ArraySpec {
  shape: number[]
  dtype: DType
  chunks: number[]
  attributes?: Record<string, unknown>
}

/** One array being written, box by box, so no whole volume is ever held in memory. */
export interface ArrayOut {
  /** `data` is the C-ordered box [start, start + shape); boxes lie on the chunk grid. */
  writeBox(start: readonly number[], shape: readonly number[], data: TypedArray): void
}

/** One HDF5 file or one Zarr v2 store holding the export's arrays under group paths. */
export interface DataSink {
  readonly format: ExportFormat
  group(path: string, attributes?: Record<string, unknown>): void
  array(path: string, spec: ArraySpec): ArrayOut
  close(): void
}

/** The name of the data file (or store) inside an export folder. */
export function dataFileName(format: ExportFormat): string {
  return format === 'hdf5' ? 'export.h5' : 'export.zarr'
}
