/** Mutations of HDF5 files: truncations, flipped header and chunk bytes, dataspace and datatype lies. */
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { flipBytes } from './files.ts'
import { h5DatatypeLie, h5ShapeLie, hdf5Target, type Mutation } from './mutation-kit.ts'

export const HDF5_MUTATIONS: Record<string, Mutation> = {
  truncate: {
    formats: ['hdf5'],
    per: 10,
    run: (c) => {
      const size = statSync(c.data).size
      const keep = Math.floor(size * (0.05 + 0.9 * c.rng.next()))
      truncateSync(c.data, keep)
      return `truncated ${size} -> ${keep} bytes`
    },
  },
  'truncate-header': {
    formats: ['hdf5'],
    per: 3,
    run: (c) => {
      const keep = c.rng.int(9, 400)
      truncateSync(c.data, keep)
      return `truncated to ${keep} bytes`
    },
  },
  'flip-superblock': {
    formats: ['hdf5'],
    per: 8,
    run: (c) => flipBytes(c.data, c.rng, 0, c.source.hdf5!.superblockVersion >= 2 ? 48 : 96, c.rng.int(1, 3)),
  },
  'flip-object-header': {
    formats: ['hdf5'],
    per: 10,
    run: (c) => {
      const [addr, size] = hdf5Target(c.source, c.target).ohdr
      return flipBytes(c.data, c.rng, addr, addr + size, c.rng.int(1, 2))
    },
  },
  'flip-chunk': {
    formats: ['hdf5'],
    per: 10,
    applies: (s, t) => hdf5Target(s, t).chunks.length > 0 || hdf5Target(s, t).contiguous !== null,
    run: (c) => {
      const ds = hdf5Target(c.source, c.target)
      const [at, size] = ds.chunks.length > 0 ? c.rng.pick(ds.chunks) : ds.contiguous!
      return flipBytes(c.data, c.rng, at, at + size, c.rng.int(1, 4))
    },
  },
  'flip-metadata': {
    formats: ['hdf5'],
    per: 6,
    applies: (s) => s.hdf5!.signatures.length > 0,
    run: (c) => {
      const at = c.rng.pick(c.source.hdf5!.signatures)
      return flipBytes(c.data, c.rng, at, at + 64, c.rng.int(1, 3))
    },
  },
  'zero-block': {
    formats: ['hdf5'],
    per: 4,
    run: (c) => {
      const buf = readFileSync(c.data)
      const len = c.rng.int(64, 512)
      const at = c.rng.int(96, Math.max(97, buf.length - len))
      buf.fill(0, at, at + len)
      writeFileSync(c.data, buf)
      return `zeroed ${len} bytes at ${at}`
    },
  },
  'append-garbage': {
    formats: ['hdf5'],
    per: 3,
    run: (c) => {
      const n = c.rng.int(1, 4096)
      writeFileSync(c.data, Buffer.concat([readFileSync(c.data), c.rng.bytes(n)]))
      return `appended ${n} random bytes`
    },
  },
  'shape-huge': h5ShapeLie(4, () => [10000, 10000, 10000]),
  'shape-bigger': h5ShapeLie(4, (d) => [d[0]! * 2, d[1]!, d[2]!]),
  'shape-smaller': h5ShapeLie(4, (d) => [d[0]!, Math.ceil(d[1]! / 2), d[2]!]),
  'shape-zero': h5ShapeLie(2, (d) => [0, d[1]!, d[2]!]),
  'dtype-size': h5DatatypeLie(6, (buf, at) => {
    const old = buf.readUInt32LE(at + 4)
    const next = old === 8 ? 4 : old * 2
    buf.writeUInt32LE(next, at + 4)
    return `datatype size ${old} -> ${next}`
  }),
  'dtype-class': h5DatatypeLie(4, (buf, at) => {
    const old = buf[at]! & 0x0f
    const next = old === 0 ? 1 : old === 1 ? 0 : 3
    buf[at] = (buf[at]! & 0xf0) | next
    return `datatype class ${old} -> ${next}`
  }),
  'dtype-sign-order': h5DatatypeLie(4, (buf, at, c) => {
    const bit = c.rng.pick([0, 3])
    buf[at + 1] = buf[at + 1]! ^ (1 << bit)
    return bit === 0 ? 'byte order flipped' : 'signed flag flipped'
  }),
}
