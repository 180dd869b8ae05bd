import { renameSync, writeFileSync } from 'node:fs'
import type { ComponentRecord } from './provisional.ts'

export const ROI_CSV_COLUMNS = ['id', 'z0', 'y0', 'x0', 'z1', 'y1', 'x1', 'voxels', 'cz', 'cy', 'cx'] as const

/** Half-open boxes and centroids in voxels; centroids to 1/1000 of a voxel. */
export function roisCsv(components: readonly ComponentRecord[]): string {
  const lines = [ROI_CSV_COLUMNS.join(',')]
  for (const c of components) {
    lines.push(
      [c.id, c.z0, c.y0, c.x0, c.z1, c.y1, c.x1, c.voxels, c.cz, c.cy, c.cx]
        .map((v, i) => (i >= 8 ? String(Math.round(v * 1000) / 1000) : String(v)))
        .join(','),
    )
  }
  return `${lines.join('\n')}\n`
}

/** Written beside the target and renamed: a reader never sees half a table. */
export function writeRoisCsv(file: string, components: readonly ComponentRecord[]): void {
  const partial = `${file}.partial-${process.pid}`
  writeFileSync(partial, roisCsv(components))
  renameSync(partial, file)
}
