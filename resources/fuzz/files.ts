/** File helpers of the generator: byte flips, JSON, .npy, chunk boxes, listings. */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Box } from './manifest.ts'
import type { Rng } from './rng.ts'

export const NON_UTF8 = Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x80]) // "bad" + bytes no UTF-8 decoder accepts

export function flipBytes(file: string, rng: Rng, from: number, to: number, count: number): string {
  const buf = readFileSync(file)
  const end = Math.min(to, buf.length)
  if (end <= from) return 'nothing to flip'
  const at: number[] = []
  for (let i = 0; i < count; i++) {
    const p = rng.int(from, end - 1)
    buf[p] = buf[p]! ^ (1 << rng.int(0, 7)) ^ (rng.next() < 0.5 ? 0xff : 0)
    at.push(p)
  }
  writeFileSync(file, buf)
  return `flipped bytes at ${at.join(', ')}`
}

export function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
}

export function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2))
}

export function voxels(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}

/** The chunk boxes (start corner + chunk) of the given chunk-grid indices, in array coordinates. */
export function chunkBox(index: number[], chunks: number[]): Box {
  const b = index.flatMap((i, d) => [i * chunks[d]!, (i + 1) * chunks[d]!])
  return b as Box
}

/** NumPy .npy v1.0 of C-ordered little-endian data, as numpy.save writes it. */
export function writeNpy(file: string, descr: string, shape: number[], bytes: Uint8Array): void {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n'
  const prefix = Buffer.alloc(10)
  prefix.write('\x93NUMPY', 0, 'latin1')
  prefix[6] = 1
  prefix.writeUInt16LE(header.length, 8)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), bytes]))
}

export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]))
}
