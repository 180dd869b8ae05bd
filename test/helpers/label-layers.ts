/**
 * A project for the viewer's layers: images whose greys are known (three bands of 20, 110 and 200, so
 * the volume's auto-contrast maps them to 0, 128 and 255) and a label volume of the same shape for each,
 * written as plain Zarr v2 arrays (uint8 image, uint32 labels).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cliJson } from './cli.ts'

export type Vec3 = [number, number, number]

/** The image value at (y, x) of an image `n` voxels a side: three horizontal bands. */
export function bandValue(y: number, n: number): number {
  return y < n / 3 ? 20 : y < (2 * n) / 3 ? 110 : 200
}

/** The grey each band shows as under the auto-contrast (0.5/99.5 percentiles: 20 and 200). */
export function bandGrey(y: number, n: number): number {
  return Math.round(((bandValue(y, n) - 20) * 255) / 180)
}

/** The label at (y, x): id 1 in a vertical stripe through every band, id 300 in a block of the lower two. */
export function labelAt(y: number, x: number, n: number): number {
  if (x >= n * 0.12 && x < n * 0.4) return 1
  if (x >= n * 0.55 && x < n * 0.85 && y >= n * 0.4) return 300
  return 0
}

function writeArray(
  dir: string,
  shape: Vec3,
  chunk: Vec3,
  dtype: '|u1' | '<u4',
  at: (y: number, x: number) => number,
): string {
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, '.zarray'),
    JSON.stringify({
      zarr_format: 2,
      shape,
      chunks: chunk,
      dtype,
      compressor: null,
      fill_value: 0,
      order: 'C',
      filters: null,
      dimension_separator: '.',
    }),
  )
  const bytes = dtype === '|u1' ? 1 : 4
  for (let cz = 0; cz < Math.ceil(shape[0] / chunk[0]); cz++)
    for (let cy = 0; cy < Math.ceil(shape[1] / chunk[1]); cy++)
      for (let cx = 0; cx < Math.ceil(shape[2] / chunk[2]); cx++) {
        const buffer = new ArrayBuffer(chunk[0] * chunk[1] * chunk[2] * bytes)
        const view = dtype === '|u1' ? new Uint8Array(buffer) : new Uint32Array(buffer)
        let o = 0
        for (let z = 0; z < chunk[0]; z++)
          for (let y = cy * chunk[1]; y < (cy + 1) * chunk[1]; y++)
            for (let x = cx * chunk[2]; x < (cx + 1) * chunk[2]; x++)
              view[o++] = y < shape[1] && x < shape[2] ? at(y, x) : 0
        writeFileSync(join(dir, `${cz}.${cy}.${cx}`), new Uint8Array(buffer))
      }
  return dir
}

/** A project with a large image (tiled in the viewer), a small one (one crop) and their label volumes. */
export function labelLayersProject(tmp: string, big = 768, small = 96) {
  const project = join(tmp, 'project')
  cliJson(['project', 'init', project, '--json'])
  const made = { project, big, small, images: [] as string[], labels: [] as string[] }
  for (const [name, n] of [
    ['big', big],
    ['small', small],
  ] as const) {
    const shape: Vec3 = [1, n, n]
    const chunk: Vec3 = [1, Math.min(n, 256), Math.min(n, 256)]
    const image = writeArray(join(tmp, `${name}.zarr`), shape, chunk, '|u1', (y) => bandValue(y, n))
    const labels = writeArray(join(tmp, `${name}-labels.zarr`), shape, chunk, '<u4', (y, x) =>
      labelAt(y, x, n),
    )
    cliJson(['project', 'import', project, image, '--name', `${name} image`, '--json'])
    cliJson(['project', 'import', project, labels, '--role', 'labels', '--name', `${name} labels`, '--json'])
    made.images.push(image)
    made.labels.push(labels)
  }
  return made
}
