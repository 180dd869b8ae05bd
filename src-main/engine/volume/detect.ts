import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs'
import { join } from 'node:path'

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])

export function isZarrNode(dir: string): boolean {
  return ['zarr.json', '.zgroup', '.zarray'].some((f) => existsSync(join(dir, f)))
}

/** HDF5 allows a user block before the superblock: the signature sits at 0, 512, 1024, 2048, ... */
export function findHdf5Superblock(path: string): number | null {
  const size = statSync(path).size
  const fd = openSync(path, 'r')
  try {
    const buf = Buffer.alloc(8)
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      readSync(fd, buf, 0, 8, at)
      if (buf.equals(HDF5_SIGNATURE)) return at
    }
    return null
  } finally {
    closeSync(fd)
  }
}

export function hasTiffSignature(path: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const buf = Buffer.alloc(4)
    readSync(fd, buf, 0, 4, 0)
    return buf.equals(Buffer.from('II*\0', 'latin1')) || buf.equals(Buffer.from('MM\0*', 'latin1'))
  } finally {
    closeSync(fd)
  }
}
