/** Zarr metadata lies about shape, dtype and chunk grid. */
import { chunkBox } from './files.ts'
import {
  arrayOf,
  brokenMeta,
  editCodecs,
  editMeta,
  metaLie,
  presentBoxes,
  truthOf,
  V2_SAME_SIZE,
  V2_SIZE_LIE,
  V3_SAME_SIZE,
  V3_SIZE_LIE,
  zarrDtypeLie,
  zarrShapeLie,
  type Mutation,
} from './mutation-kit.ts'

export const ZARR_SHAPE_MUTATIONS: Record<string, Mutation> = {
  'meta-shape-string': brokenMeta(3, (m) => {
    m.shape = (m.shape as number[]).join(',')
    return `shape "${m.shape}"`
  }),
  'meta-shape-negative': brokenMeta(2, (m) => {
    const s = m.shape as number[]
    s[0] = -s[0]!
    return `shape [${s}]`
  }),
  'meta-shape-float': brokenMeta(1, (m) => {
    const s = m.shape as number[]
    s[2] = s[2]! + 0.5
    return `shape [${s}]`
  }),
  'meta-shape-huge': zarrShapeLie(
    4,
    () => [10000, 10000, 10000],
    () => 'shape [10000,10000,10000]: 10^12 voxels, nearly all in missing chunks',
  ),
  'meta-shape-bigger': zarrShapeLie(3, (s) => [s[0]! + 7, s[1]!, s[2]!]),
  'meta-shape-smaller': zarrShapeLie(3, (s) => [s[0]!, Math.ceil(s[1]! / 2), s[2]!]),
  'meta-shape-lead-axis': metaLie(
    1,
    (m) => {
      m.shape = [1, ...(m.shape as number[])]
      m.chunks = [1, ...(m.chunks as number[])]
      return 'a leading axis of length 1 (every chunk key now misses: all fill)'
    },
    ['zarr2'],
  ),
  'meta-shape-rank': brokenMeta(2, (m) => {
    const s = m.shape as number[]
    m.shape = [s[0]! * s[1]!, s[2]!]
    return `shape [${m.shape}] (2D, chunks still 3D)`
  }),
  'meta-dtype-size': zarrDtypeLie(
    3,
    { v2: V2_SIZE_LIE, v3: V3_SIZE_LIE },
    { v2: '<u8', v3: 'uint64' },
    (m, t, c) => {
      t.refuseBoxes.push(...presentBoxes(c))
      return ''
    },
  ),
  'meta-dtype-same-size': zarrDtypeLie(3, { v2: V2_SAME_SIZE, v3: V3_SAME_SIZE }, {}, (m, t) => {
    t.view = t.dtype
    // A float fill value such as 0.5 is no integer's: keep the metadata valid apart from the lie.
    if (!t.dtype.startsWith('float') && !Number.isInteger(m.fill_value)) m.fill_value = t.fill = 0
    return ' (same size: the bytes read as the new type)'
  }),
  'meta-dtype-endian': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    applies: (s, t) => !['uint8', 'int8'].includes(s.arrays[t]!.dtype),
    run: (c) => {
      if (c.source.format === 'zarr3') {
        editCodecs(c, (codecs) => {
          const bytes = codecs.find((x) => x.name === 'bytes')!
          const conf = bytes.configuration as { endian: string }
          conf.endian = conf.endian === 'big' ? 'little' : 'big'
        })
        truthOf(c).byteswap = true
        return 'bytes codec endian flipped'
      }
      return editMeta(c, (m) => {
        const old = m.dtype as string
        m.dtype = (old.startsWith('<') ? '>' : '<') + old.slice(1)
        return `dtype ${old} -> ${m.dtype}`
      })
    },
  },
  'meta-dtype-invalid': brokenMeta(3, (m, c) => {
    const bad = c.rng.pick(['<x9', 'uint12', 17, '<U8', '|O', ''] as const)
    if (c.source.format === 'zarr3') m.data_type = bad
    else m.dtype = bad
    return `dtype ${JSON.stringify(bad)}`
  }),
  'meta-chunks-lie': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    applies: (s, t) => !s.arrays[t]!.sharded,
    run: (c) =>
      editMeta(c, (m, t) => {
        if (t) {
          const grid = m.chunk_grid as { configuration: { chunk_shape: number[] } }
          const ch = grid.configuration.chunk_shape
          ch[2] = Math.max(1, Math.floor(ch[2]! / 2))
          // Every chunk file keeps its key, now the key of a smaller box, and no longer has the right size;
          // every other box has no chunk file under the new grid and reads as the fill value.
          t.fillBoxes.push([0, 1e9, 0, 1e9, 0, 1e9])
          for (const f of arrayOf(c).chunkFiles as Array<{ key: string }>) {
            const index = f.key
              .split(/[/.]/)
              .filter((p) => /^\d+$/.test(p))
              .map(Number)
            t.refuseBoxes.push(chunkBox(index, ch))
          }
          return `chunk_shape [${ch}]`
        }
        const ch = m.chunks as number[]
        ch[2] = Math.max(1, Math.floor(ch[2]! / 2))
        return `chunks [${ch}]`
      }),
  },
  'meta-chunks-invalid': brokenMeta(2, (m, c) => {
    const bad = c.rng.pick([[0, 16, 16], '4,16,16', [4, -16, 16], [4, 16]] as const)
    if (c.source.format === 'zarr3')
      (m.chunk_grid as { configuration: { chunk_shape: unknown } }).configuration.chunk_shape = bad
    else m.chunks = bad
    return `chunks ${JSON.stringify(bad)}`
  }),
}
