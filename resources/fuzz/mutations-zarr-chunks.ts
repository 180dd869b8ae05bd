/** Mutations of Zarr chunk files: truncated, emptied, padded, flipped, deleted, swapped. */
import { mkdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { relative } from 'node:path'
import { flipBytes } from './files.ts'
import {
  arrayOf,
  chunkDamage,
  chunkFilesOf,
  compressed,
  hasCrc,
  someChunk,
  truthOf,
  type Mutation,
} from './mutation-kit.ts'

export const ZARR_CHUNK_MUTATIONS: Record<string, Mutation> = {
  'chunk-truncate': chunkDamage(5, (chunk, c) => {
    const size = statSync(chunk.file).size
    const keep = Math.floor(size * 0.9 * c.rng.next())
    truncateSync(chunk.file, keep)
    return `: ${size} -> ${keep} bytes`
  }),
  'chunk-empty': chunkDamage(4, (chunk) => {
    truncateSync(chunk.file, 0)
    return ' emptied'
  }),
  'chunk-pad': {
    formats: ['zarr2', 'zarr3'],
    per: 5,
    run: (c) => {
      const chunk = someChunk(c)
      const n = c.rng.int(1, 64)
      writeFileSync(chunk.file, Buffer.concat([readFileSync(chunk.file), c.rng.bytes(n)]))
      if (c.source.format === 'zarr3') {
        const a = arrayOf(c)
        // A raw chunk of the wrong size, a checksum over the wrong bytes, a shard index read from the
        // padding: all detectable. Trailing bytes after a gzip/zstd/blosc stream may be ignored.
        const strict = a.sharded || hasCrc(a) || !compressed(a)
        ;(strict ? truthOf(c).refuseBoxes : truthOf(c).eitherBoxes).push(chunk.box!)
      }
      return `${relative(c.data, chunk.file)}: ${n} bytes appended`
    },
  },
  'chunk-flip': {
    // Without a checksum (crc32c, gzip's crc32, a shard index's crc32c) a flipped byte is a different,
    // equally valid value that no reader can know about: v3 only where the damage is detectable.
    applies: (s, t) =>
      s.format === 'zarr2' ||
      !!s.arrays[t]!.sharded ||
      hasCrc(s.arrays[t]!) ||
      (s.arrays[t]!.codecs ?? []).includes('gzip'),
    ...chunkDamage(5, (chunk, c) => {
      const a = arrayOf(c)
      const size = statSync(chunk.file).size
      // Shards: flip inside the index (the last 16 bytes per inner chunk and the crc32c).
      const from = a.sharded ? Math.max(0, size - 36) : c.source.format === 'zarr3' && !hasCrc(a) ? 10 : 0
      return `: ${flipBytes(chunk.file, c.rng, from, size, c.rng.int(1, 3))}`
    }),
  },
  'chunk-delete': chunkDamage(
    4,
    (chunk) => {
      rmSync(chunk.file)
      return ' deleted'
    },
    'fillBoxes',
  ),
  'chunk-swap': {
    formats: ['zarr2'],
    per: 3,
    applies: (s, t) => (s.arrays[t]!.chunkFiles ?? []).length >= 2,
    run: (c) => {
      const [a, b] = c.rng.shuffle(chunkFilesOf(c))
      const ta = readFileSync(a!.file)
      writeFileSync(a!.file, readFileSync(b!.file))
      writeFileSync(b!.file, ta)
      return `swapped ${relative(c.data, a!.file)} and ${relative(c.data, b!.file)}`
    },
  },
  'chunk-dir': {
    formats: ['zarr2'],
    per: 2,
    run: (c) => {
      const chunk = someChunk(c)
      rmSync(chunk.file)
      mkdirSync(chunk.file)
      return `${relative(c.data, chunk.file)} replaced by a folder`
    },
  },
}
