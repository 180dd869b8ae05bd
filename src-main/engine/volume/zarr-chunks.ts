import { readdirSync, type Dirent } from 'node:fs'
import { childPath, type FsPath } from './names.ts'
import type { CheckedArray } from './zarr-meta.ts'

export function chunkKey(meta: CheckedArray, coords: number[]): string {
  return meta.key.prefix + coords.join(meta.key.separator)
}

function entries(dir: FsPath): Dirent<Buffer>[] {
  try {
    return readdirSync(dir as Buffer, { withFileTypes: true, encoding: 'buffer' })
  } catch {
    return []
  }
}

const INDEX = /^(0|[1-9]\d*)$/

/**
 * The grid cells that have a file, found by listing the array's folder: what is absent is the fill
 * value and needs no reading, however many cells the shape claims. Names that are not keys of
 * this grid (metadata, stray files, cells outside the shape) are ignored.
 */
export function storedCells(dir: FsPath, meta: CheckedArray): number[][] {
  const rank = meta.grid.length
  const cells = meta.shape.map((n, i) => Math.ceil(n / meta.grid[i]!))
  const inGrid = (coords: number[]): boolean => coords.every((c, i) => c < cells[i]!)
  const out: number[][] = []
  const { prefix, separator } = meta.key
  let root: FsPath = dir
  let first: string | null = null
  if (prefix === 'c/') root = childPath(dir, 'c')
  else if (prefix === 'c.') first = 'c'
  if (separator === '.') {
    for (const e of entries(root)) {
      if (!e.isFile()) continue
      let parts = e.name.toString('latin1').split('.')
      if (first !== null) {
        if (parts[0] !== first) continue
        parts = parts.slice(1)
      }
      if (parts.length !== rank || !parts.every((p) => INDEX.test(p))) continue
      const coords = parts.map(Number)
      if (inGrid(coords)) out.push(coords)
    }
    return out
  }
  const visit = (folder: FsPath, prefixCoords: number[]): void => {
    for (const e of entries(folder)) {
      const name = e.name.toString('latin1')
      if (!INDEX.test(name)) continue
      const coords = [...prefixCoords, Number(name)]
      if (coords.length === rank) {
        if (e.isFile() && inGrid(coords)) out.push(coords)
      } else if (e.isDirectory()) visit(childPath(folder, e.name), coords)
    }
  }
  if (rank === 0) return out
  visit(root, [])
  return out
}
