/** What sources.py reports about each valid source, and what a case.json holds. */

/** [z0, z1, y0, y1, x0, x1], half-open. */
export type Box = [number, number, number, number, number, number]
export type Format = 'hdf5' | 'zarr2' | 'zarr3'

export interface FuzzCommand {
  kind: 'list' | 'stats' | 'read'
  /** The array the command names (null: the file or store itself); '' is a store that is one array. */
  dataset: string | null
  region?: Box
}

/** What a correct reader returns for one Zarr v3 array of a case (no peer reads v3 here). */
export interface V3ArrayTruth {
  /** The array's values as written (relative to the corpus folder), at [0, shape of the .npy). */
  npy: string
  /** The bytes reinterpreted as this dtype (metadata that changed the dtype to one of the same size). */
  view: string | null
  byteswap: boolean
  /** The shape and dtype the metadata claims; voxels outside the .npy read as the fill value. */
  shape: number[]
  dtype: string
  fill: number | string | null
  /** Boxes that read as the fill value (missing chunks). */
  fillBoxes: Box[]
  /** Boxes whose chunk is damaged: a read that touches one must exit 2. */
  refuseBoxes: Box[]
  /** Boxes whose chunk is damaged in a way a reader may forgive: exit 2, or the values as written. */
  eitherBoxes: Box[]
  /** Metadata no reader may accept: every command on the array exits 2. */
  broken: boolean
}

export interface ListedTruth {
  name: string
  utf8: boolean
  ok: boolean
  shape?: number[]
  dtype?: string
}

export interface FuzzCase {
  id: string
  source: string
  format: Format
  mutation: string
  detail: string
  valid: boolean
  /** The file or store, relative to the case folder. */
  data: string
  commands: FuzzCommand[]
  v3?: {
    arrays: Record<string, V3ArrayTruth>
    /** The truth before the mutation: a read of damage it missed (or may read through) must equal it. */
    original: Record<string, V3ArrayTruth>
    listing: ListedTruth[]
    listingEither: boolean
  }
}

// ------------------------------------------------------------------------------------ the manifest

export interface H5Dataset {
  ohdr: [number, number]
  headerVersion: string
  chunks: Array<[number, number]>
  contiguous: [number, number] | null
  dataspace: { version: number; rank: number; dims: number } | null
  datatype: { offset: number; size: number } | null
}

export interface SourceArray {
  shape: number[]
  dtype: string
  chunks?: number[]
  dir?: string
  meta?: string
  compressor?: string | null
  separator?: string
  codecs?: string[]
  fill?: number
  chunkFiles?: Array<string | { key: string; box: Box; inner: Box[] | null }>
  missing?: Box[]
  truth?: string
  sharded?: boolean
}

export interface Source {
  id: string
  format: Format
  path: string
  targets: string[]
  arrays: Record<string, SourceArray>
  allArrays?: string[]
  rootIsArray?: boolean
  hdf5?: {
    size: number
    superblockVersion: number
    datasets: Record<string, H5Dataset>
    signatures: number[]
  }
}
