import type { DType, TypedArray } from './dtype.ts'
import type { PartStats } from './reduce.ts'

export type Shape3 = [number, number, number]
/** `stack`: a folder of PNG/TIFF slices; `tiff`: one multi-page TIFF. Defined once, in the contract. */
export type { VolumeFormat } from '../../../src-shared/contract.ts'
import type { VolumeFormat } from '../../../src-shared/contract.ts'

/** Half-open box [z0,z1) x [y0,y1) x [x0,x1) in voxels. */
export interface Region {
  z0: number
  z1: number
  y0: number
  y1: number
  x0: number
  x1: number
}

/** One array found in a file or group, whatever its rank or type (listing never fails on odd arrays). */
export interface ArrayInfo {
  name: string
  shape: number[]
  /** numpy-style name, or a description such as "string" or "compound" when we cannot read it. */
  dtype: string
  /** null for contiguous (unchunked) HDF5 datasets. */
  chunks: number[] | null
  compression: string | null
}

export interface Volume {
  /** PATH#DATASET as the user can type it again. */
  readonly spec: string
  readonly path: string
  readonly dataset: string
  readonly format: VolumeFormat
  readonly shape: Shape3
  readonly dtype: DType
  /** Storage chunk shape; for contiguous data the block we read efficiently. */
  readonly chunks: Shape3
  readonly chunked: boolean
  readonly attributes: Record<string, unknown>
  /**
   * Reads only the chunks the region touches. Data is C-ordered (z, y, x). Passing `out` (exactly the
   * region's size and the volume's dtype) fills it instead of allocating, for tight streaming loops.
   */
  readRegion(region: Region, out?: TypedArray): Promise<TypedArray>
  /** Set where the format can tell which chunks are stored without reading them (Zarr). */
  readonly sparse?: SparseCells
  /**
   * Set where each stored chunk can be summarised where it is decoded (on the decode workers), so
   * statistics never copy values into blocks: min, max, sum and count over the stored chunks' voxels
   * inside the volume (absent chunks are the sparse fill). Null when this array needs the block path.
   */
  storedChunkStats?(onProgress?: (fraction: number) => void): Promise<PartStats> | null
  close(): void
}

/** Chunks absent from storage read as `fill`: statistics count them without reading. */
export interface SparseCells {
  /** Grid coordinates (in units of `chunks`) of the chunks that are stored. */
  cells(): Shape3[]
  fill: number
}

export function regionShape(r: Region): Shape3 {
  return [r.z1 - r.z0, r.y1 - r.y0, r.x1 - r.x0]
}

export function regionSize(r: Region): number {
  return (r.z1 - r.z0) * (r.y1 - r.y0) * (r.x1 - r.x0)
}

export function fullRegion(shape: Shape3): Region {
  return { z0: 0, z1: shape[0], y0: 0, y1: shape[1], x0: 0, x1: shape[2] }
}
