import { statSync } from 'node:fs'
import { InputError } from '../errors.ts'
import { findHdf5Superblock, hasTiffSignature, isZarrNode } from './detect.ts'
import { listHdf5, openHdf5 } from './hdf5.ts'
import { listSliceFiles, openStack } from './stack.ts'
import type { ArrayInfo, Volume, VolumeFormat } from './types.ts'
import { listZarr, openZarr } from './zarr.ts'

interface Format {
  /** Whether PATH is in this format: folders and files are asked in the table's order. */
  detect(path: string, folder: boolean): boolean
  list(path: string): Promise<ArrayInfo[]>
  /** `dataset` null: the file or folder's only array (or OME-Zarr's full resolution). */
  open(path: string, dataset: string | null): Promise<Volume>
}

/** One image, one volume: a stack or a TIFF has no datasets to name. */
function single(open: (path: string) => Volume & { info(): ArrayInfo }): Pick<Format, 'list' | 'open'> {
  return {
    list: async (path) => {
      const volume = open(path)
      volume.close()
      return [volume.info()]
    },
    open: async (path, dataset) => {
      if (dataset !== null)
        throw new InputError(`${path}: an image stack holds one volume; name it by its path alone`)
      return open(path)
    },
  }
}

/** Every volume format we read. Adding one is a reader file and a row here (and in the contract's enum). */
export const FORMATS: Record<VolumeFormat, Format> = {
  zarr: {
    detect: (path, folder) => folder && isZarrNode(path),
    list: async (p) => listZarr(p),
    open: openZarr,
  },
  stack: { detect: (path, folder) => folder && listSliceFiles(path).length > 0, ...single(openStack) },
  hdf5: {
    detect: (path, folder) => !folder && findHdf5Superblock(path) !== null,
    list: listHdf5,
    open: openHdf5,
  },
  tiff: { detect: (path, folder) => !folder && hasTiffSignature(path), ...single(openStack) },
}

export function detectFormat(path: string): VolumeFormat {
  let st
  try {
    st = statSync(path)
  } catch {
    throw new InputError(`${path}: no such file or directory`)
  }
  const folder = st.isDirectory()
  if (!folder && st.size === 0) throw new InputError(`${path}: empty file, expected HDF5 or a Zarr folder`)
  for (const [name, format] of Object.entries(FORMATS) as Array<[VolumeFormat, Format]>)
    if (format.detect(path, folder)) return name
  throw new InputError(
    folder
      ? `${path}: not a Zarr store (expected zarr.json, .zgroup or .zarray in the folder) nor a folder of PNG/TIFF slices`
      : `${path}: not an HDF5 file (no HDF5 signature), a TIFF, or a Zarr folder`,
  )
}
