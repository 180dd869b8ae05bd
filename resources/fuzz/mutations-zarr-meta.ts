/** Zarr metadata lies about codecs, fill value, order and keys; broken JSON; non-UTF-8 names. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { NON_UTF8 } from './files.ts'
import {
  arrayDir,
  brokenMeta,
  compressed,
  editCodecs,
  editMeta,
  metaLie,
  hasCrc,
  isGroup,
  metaFile,
  presentBoxes,
  truthOf,
  type Mutation,
} from './mutation-kit.ts'

export const ZARR_META_MUTATIONS: Record<string, Mutation> = {
  'meta-compressor-drop': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    applies: (s, t) => compressed(s.arrays[t]!),
    run: (c) => {
      if (c.source.format === 'zarr3') {
        editCodecs(c, (codecs) => {
          const i = codecs.findIndex((x) => ['gzip', 'zstd', 'blosc'].includes(x.name as string))
          codecs.splice(i, 1)
        })
        truthOf(c).refuseBoxes.push(...presentBoxes(c))
        return 'compression codec removed from the chain'
      }
      return editMeta(c, (m) => {
        m.compressor = null
        return 'compressor null (chunks still compressed)'
      })
    },
  },
  'meta-compressor-swap': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) => {
      if (c.source.format === 'zarr3') {
        let what = ''
        editCodecs(c, (codecs) => {
          const i = codecs.findIndex((x) => ['gzip', 'zstd', 'blosc'].includes(x.name as string))
          if (i < 0) {
            codecs.push({ name: 'gzip', configuration: { level: 5 } })
            what = 'gzip added (chunks are raw)'
          } else {
            const next = codecs[i]!.name === 'gzip' ? 'zstd' : 'gzip'
            what = `${codecs[i]!.name} -> ${next}`
            codecs[i] = { name: next, configuration: next === 'gzip' ? { level: 5 } : { level: 3 } }
          }
        })
        truthOf(c).refuseBoxes.push(...presentBoxes(c))
        return what
      }
      return editMeta(c, (m) => {
        const old = (m.compressor as { id?: string } | null)?.id ?? null
        const next =
          old === 'gzip'
            ? { id: 'zlib', level: 1 }
            : old === null
              ? { id: 'blosc', cname: 'lz4', clevel: 5, shuffle: 1, blocksize: 0 }
              : { id: 'gzip', level: 5 }
        m.compressor = next
        return `compressor ${old} -> ${next.id}`
      })
    },
  },
  'meta-compressor-unknown': {
    formats: ['zarr2', 'zarr3'],
    per: 2,
    run: (c) => {
      if (c.source.format === 'zarr3') {
        editCodecs(c, (codecs) => codecs.push({ name: 'no-such-codec', configuration: {} }))
        truthOf(c).broken = true
        return 'codec "no-such-codec" appended'
      }
      return editMeta(c, (m) => {
        m.compressor = { id: 'no-such-codec' }
        return 'compressor "no-such-codec"'
      })
    },
  },
  'meta-crc-drop': {
    formats: ['zarr3'],
    per: 1,
    applies: (s, t) => hasCrc(s.arrays[t]!),
    run: (c) => {
      editCodecs(c, (codecs) => codecs.splice(codecs.findIndex((x) => x.name === 'crc32c')))
      truthOf(c).refuseBoxes.push(...presentBoxes(c))
      return 'crc32c removed (chunks still carry it: 4 bytes too many)'
    },
  },
  'meta-filters': metaLie(
    3,
    (m) => {
      m.filters = [{ id: 'delta', dtype: m.dtype }]
      return 'a delta filter the chunks were not written with'
    },
    ['zarr2'],
  ),
  'meta-fill-change': {
    formats: ['zarr2', 'zarr3'],
    per: 2,
    applies: (s, t) =>
      (s.arrays[t]!.missing ?? []).length > 0 || s.id.includes('fill') || s.id.includes('huge'),
    run: (c) =>
      editMeta(c, (m, t) => {
        m.fill_value = 9
        if (t) t.fill = 9
        return 'fill_value 9'
      }),
  },
  'meta-fill-nan': {
    formats: ['zarr2', 'zarr3'],
    per: 1,
    applies: (s, t) => s.arrays[t]!.dtype.startsWith('float'),
    run: (c) =>
      editMeta(c, (m, t) => {
        m.fill_value = 'NaN'
        if (t) t.fill = 'NaN'
        return 'fill_value "NaN"'
      }),
  },
  'meta-fill-invalid': brokenMeta(3, (m, c) => {
    m.fill_value = c.rng.pick(['abc', [1, 2], { v: 1 }] as const)
    return `fill_value ${JSON.stringify(m.fill_value)}`
  }),
  'meta-order-lie': metaLie(
    3,
    (m) => {
      m.order = m.order === 'F' ? 'C' : 'F'
      return `order ${m.order}`
    },
    ['zarr2'],
  ),
  'meta-separator-lie': metaLie(3, (m, t) => {
    if (t) {
      const enc = m.chunk_key_encoding as { configuration: { separator: string } }
      enc.configuration.separator = enc.configuration.separator === '/' ? '.' : '/'
      // No chunk file is found under the new keys: everything reads as the fill value.
      t.fillBoxes.push([0, 1e9, 0, 1e9, 0, 1e9])
      return `chunk key separator "${enc.configuration.separator}"`
    }
    m.dimension_separator = m.dimension_separator === '/' ? '.' : '/'
    return `dimension_separator "${m.dimension_separator}"`
  }),
  'meta-json-truncated': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) => {
      const file = metaFile(c)
      const text = readFileSync(file)
      writeFileSync(file, text.subarray(0, c.rng.int(1, text.length - 2)))
      if (c.source.format === 'zarr3') truthOf(c).broken = true
      return `${basename(file)} cut short`
    },
  },
  'meta-json-garbage': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) => {
      writeFileSync(metaFile(c), c.rng.bytes(c.rng.int(1, 300)))
      if (c.source.format === 'zarr3') truthOf(c).broken = true
      return `${basename(metaFile(c))} replaced by random bytes`
    },
  },
  'meta-zarr-format': brokenMeta(3, (m, c) => {
    m.zarr_format = c.source.format === 'zarr3' ? c.rng.pick([2, 4]) : c.rng.pick([1, 3])
    return `zarr_format ${m.zarr_format}`
  }),
  'meta-missing-field': metaLie(3, (m, t, c) => {
    const fields =
      c.source.format === 'zarr3'
        ? ['shape', 'data_type', 'chunk_grid', 'codecs', 'fill_value', 'chunk_key_encoding']
        : ['shape', 'dtype', 'chunks', 'compressor', 'order', 'zarr_format']
    const field = c.rng.pick(fields)
    delete m[field]
    // Without shape, dtype or chunk grid nothing can be read; the rest a reader may default (the
    // default fill 0, codecs [bytes], "/" keys): then it must give the values those defaults give.
    if (t && ['shape', 'data_type', 'chunk_grid'].includes(field)) t.broken = true
    else if (t) t.eitherBoxes.push([0, 1e9, 0, 1e9, 0, 1e9])
    return `"${field}" removed`
  }),
  'meta-node-type': brokenMeta(
    1,
    (m, c) => {
      m.node_type = c.rng.pick(['group', 'table'])
      return `node_type "${m.node_type}"`
    },
    ['zarr3'],
  ),
  'attrs-garbage': {
    formats: ['zarr2'],
    per: 2,
    run: (c) => {
      writeFileSync(join(arrayDir(c), '.zattrs'), c.rng.bytes(40))
      return '.zattrs replaced by random bytes'
    },
  },
  'group-meta-garbage': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    applies: (s) => isGroup(s),
    run: (c) => {
      const file = join(c.data, c.source.format === 'zarr3' ? 'zarr.json' : '.zgroup')
      writeFileSync(file, c.rng.bytes(30))
      c.listingEither = true
      if (c.source.format === 'zarr3')
        for (const t of Object.values(c.v3)) t.eitherBoxes.push([0, 1e9, 0, 1e9, 0, 1e9])
      return `the root group's ${basename(file)} replaced by random bytes`
    },
  },
  'nonutf8-array-name': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    applies: (s, t) => (s.allArrays ?? []).filter((a) => a !== t && a !== '').length > 0,
    run: (c) => {
      const other = c.rng.pick((c.source.allArrays ?? []).filter((a) => a !== c.target && a !== ''))
      const from = join(c.data, ...other.split('/'))
      renameSync(from, Buffer.concat([Buffer.from(`${dirname(from)}/`), NON_UTF8]))
      c.renamed = other
      return `array folder ${other} renamed to a name that is not UTF-8`
    },
  },
  'nonutf8-extra-files': {
    formats: ['zarr2', 'zarr3'],
    per: 3,
    run: (c) => {
      const dir = arrayDir(c)
      writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), NON_UTF8]), 'junk')
      mkdirSync(Buffer.concat([Buffer.from(`${c.data}/`), NON_UTF8, Buffer.from('dir')]))
      return 'a file and a folder with names that are not UTF-8, in the array and at the root'
    },
  },
}
