/** Zarr metadata lies about shape, dtype and chunk grid. */
import { chunkBox } from './files.ts'
import {
  arrayOf,
  editCodecs,
  editMeta,
  presentBoxes,
  truthOf,
  V2_SAME_SIZE,
  V2_SIZE_LIE,
  V3_SAME_SIZE,
  V3_SIZE_LIE,
  type Mutation,
} from './mutation-kit.ts'

export const ZARR_SHAPE_MUTATIONS: Record<string, Mutation> = {
  'meta-shape-string': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) =>
      editMeta(c, (m, t) => {
        m.shape = (m.shape as number[]).join(',')
        if (t) t.broken = true
        return `shape "${m.shape}"`
      }),
  },
  'meta-shape-negative': {
    formats: ['zarr2', 'zarr3'],
    per: 2,
    run: (c) =>
      editMeta(c, (m, t) => {
        const s = m.shape as number[]
        s[0] = -s[0]!
        if (t) t.broken = true
        return `shape [${s}]`
      }),
  },
  'meta-shape-float': {
    formats: ['zarr2', 'zarr3'],
    per: 1,
    run: (c) =>
      editMeta(c, (m, t) => {
        const s = m.shape as number[]
        s[2] = s[2]! + 0.5
        if (t) t.broken = true
        return `shape [${s}]`
      }),
  },
  'meta-shape-huge': {
    formats: ['zarr2', 'zarr3'],
    per: 4,
    run: (c) =>
      editMeta(c, (m, t) => {
        m.shape = [10000, 10000, 10000]
        c.shape = m.shape as number[]
        if (t) t.shape = c.shape
        return 'shape [10000,10000,10000]: 10^12 voxels, nearly all in missing chunks'
      }),
  },
  'meta-shape-bigger': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) =>
      editMeta(c, (m, t) => {
        const s = m.shape as number[]
        s[0] = s[0]! + 7
        c.shape = s
        if (t) t.shape = s
        return `shape [${s}]`
      }),
  },
  'meta-shape-smaller': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) =>
      editMeta(c, (m, t) => {
        const s = m.shape as number[]
        s[1] = Math.ceil(s[1]! / 2)
        c.shape = s
        if (t) t.shape = s
        return `shape [${s}]`
      }),
  },
  'meta-shape-lead-axis': {
    formats: ['zarr2'],
    per: 1,
    run: (c) =>
      editMeta(c, (m) => {
        m.shape = [1, ...(m.shape as number[])]
        m.chunks = [1, ...(m.chunks as number[])]
        return 'a leading axis of length 1 (every chunk key now misses: all fill)'
      }),
  },
  'meta-shape-rank': {
    formats: ['zarr2', 'zarr3'],
    per: 2,
    run: (c) =>
      editMeta(c, (m, t) => {
        const s = m.shape as number[]
        m.shape = [s[0]! * s[1]!, s[2]!]
        if (t) t.broken = true
        return `shape [${m.shape}] (2D, chunks still 3D)`
      }),
  },
  'meta-dtype-size': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) =>
      editMeta(c, (m, t) => {
        if (t) {
          const old = m.data_type as string
          m.data_type = V3_SIZE_LIE[old] ?? 'uint64'
          t.dtype = m.data_type as string
          t.refuseBoxes.push(...presentBoxes(c))
          return `data_type ${old} -> ${m.data_type}`
        }
        const old = m.dtype as string
        m.dtype = V2_SIZE_LIE[old] ?? '<u8'
        return `dtype ${old} -> ${m.dtype}`
      }),
  },
  'meta-dtype-same-size': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) =>
      editMeta(c, (m, t) => {
        if (t) {
          const old = m.data_type as string
          m.data_type = V3_SAME_SIZE[old] ?? old
          t.dtype = m.data_type as string
          t.view = t.dtype
          // A float fill value such as 0.5 is no integer's: keep the metadata valid apart from the lie.
          if (!t.dtype.startsWith('float') && !Number.isInteger(m.fill_value)) m.fill_value = t.fill = 0
          return `data_type ${old} -> ${m.data_type} (same size: the bytes read as the new type)`
        }
        const old = m.dtype as string
        m.dtype = V2_SAME_SIZE[old] ?? old
        return `dtype ${old} -> ${m.dtype}`
      }),
  },
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
  'meta-dtype-invalid': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) =>
      editMeta(c, (m, t) => {
        const bad = c.rng.pick(['<x9', 'uint12', 17, '<U8', '|O', ''] as const)
        if (t) {
          m.data_type = bad
          t.broken = true
        } else m.dtype = bad
        return `dtype ${JSON.stringify(bad)}`
      }),
  },
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
  'meta-chunks-invalid': {
    formats: ['zarr2', 'zarr3'],
    per: 2,
    run: (c) =>
      editMeta(c, (m, t) => {
        const bad = c.rng.pick([[0, 16, 16], '4,16,16', [4, -16, 16], [4, 16]] as const)
        if (t) {
          ;(m.chunk_grid as { configuration: { chunk_shape: unknown } }).configuration.chunk_shape = bad
          t.broken = true
        } else m.chunks = bad
        return `chunks ${JSON.stringify(bad)}`
      }),
  },
}
