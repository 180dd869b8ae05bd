import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { InputError } from '../../../src-main/engine/errors.ts'
import { buildPyramid } from '../../../src-main/engine/pyramid/index.ts'
import { findMultiscale, readMultiscale } from '../../../src-main/engine/volume/index.ts'
import { ZarrV2ArrayWriter } from '../../../src-main/engine/volume/index.ts'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-levels-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

function write(file: string, value: unknown): void {
  mkdirSync(join(file, '..'), { recursive: true })
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value))
}

function v2Array(dir: string, shape: number[]): void {
  write(join(dir, '.zarray'), {
    zarr_format: 2,
    shape,
    chunks: shape,
    dtype: '|u1',
    compressor: null,
    fill_value: 0,
    order: 'C',
    filters: null,
  })
}

function v3Array(dir: string, shape: number[]): void {
  write(join(dir, 'zarr.json'), {
    zarr_format: 3,
    node_type: 'array',
    shape,
    data_type: 'uint16',
    chunk_grid: { name: 'regular', configuration: { chunk_shape: shape } },
    chunk_key_encoding: { name: 'default' },
    codecs: [{ name: 'bytes', configuration: { endian: 'little' } }],
    fill_value: 0,
  })
}

const AXES_CZYX = [
  { name: 'c', type: 'channel' },
  { name: 'z', type: 'space', unit: 'nanometer' },
  { name: 'y', type: 'space', unit: 'nanometer' },
  { name: 'x', type: 'space', unit: 'nanometer' },
]

/** NGFF 0.4 as ome-zarr-py writes it: a channel axis, per-level scales, a multiscale-wide scale on top. */
function v04(dir: string, multiscale: Record<string, unknown> = {}): string {
  write(join(dir, '.zgroup'), { zarr_format: 2 })
  v2Array(join(dir, 's0'), [1, 10, 400, 300])
  v2Array(join(dir, 's1'), [1, 10, 200, 150])
  v2Array(join(dir, 's2'), [1, 5, 100, 75])
  write(join(dir, '.zattrs'), {
    multiscales: [
      {
        version: '0.4',
        name: 'em',
        axes: AXES_CZYX,
        datasets: [
          { path: 's0', coordinateTransformations: [{ type: 'scale', scale: [1, 40, 4, 4] }] },
          {
            path: 's1',
            coordinateTransformations: [
              { type: 'scale', scale: [1, 40, 8, 8] },
              { type: 'translation', translation: [0, 0, 2, 2] },
            ],
          },
          {
            path: 's2',
            coordinateTransformations: [
              { type: 'scale', scale: [1, 80, 16, 16] },
              { type: 'translation', translation: [0, 20, 6, 6] },
            ],
          },
        ],
        coordinateTransformations: [{ type: 'scale', scale: [1, 0.5, 0.5, 0.5] }],
        ...multiscale,
      },
    ],
  })
  return dir
}

/** NGFF 0.5: Zarr v3, the metadata under attributes.ome of the group's zarr.json. */
function v05(dir: string): string {
  v3Array(join(dir, '0'), [64, 3000, 2500])
  v3Array(join(dir, '1'), [64, 1500, 1250])
  write(join(dir, 'zarr.json'), {
    zarr_format: 3,
    node_type: 'group',
    attributes: {
      ome: {
        version: '0.5',
        multiscales: [
          {
            axes: ['z', 'y', 'x'].map((name) => ({ name, type: 'space', unit: 'nanometer' })),
            datasets: [
              { path: '0', coordinateTransformations: [{ type: 'scale', scale: [30, 5, 5] }] },
              { path: '1', coordinateTransformations: [{ type: 'scale', scale: [30, 10, 10] }] },
            ],
          },
        ],
      },
    },
  })
  return dir
}

test('NGFF 0.4: levels, z/y/x shapes with the channel dropped, the multiscale scale applied', () => {
  const group = v04(join(tmp, 'v04.zarr'))
  const m = readMultiscale(group)
  assert.equal(m.version, '0.4')
  assert.equal(m.name, 'em')
  assert.deepEqual(
    m.levels.map((l) => [l.path, l.spec, l.shape, l.scale, l.translation]),
    [
      ['s0', `${group}#s0`, [10, 400, 300], [20, 2, 2], [0, 0, 0]],
      ['s1', `${group}#s1`, [10, 200, 150], [20, 4, 4], [0, 1, 1]],
      ['s2', `${group}#s2`, [5, 100, 75], [40, 8, 8], [10, 3, 3]],
    ],
  )
})

test('NGFF 0.5: levels from zarr.json attributes.ome', () => {
  const group = v05(join(tmp, 'v05.zarr'))
  const m = readMultiscale(group)
  assert.equal(m.version, '0.5')
  assert.equal(m.name, null)
  assert.deepEqual(
    m.levels.map((l) => [l.path, l.shape, l.scale, l.translation]),
    [
      ['0', [64, 3000, 2500], [30, 5, 5], [0, 0, 0]],
      ['1', [64, 1500, 1250], [30, 10, 10], [0, 0, 0]],
    ],
  )
})

test('findMultiscale: the group, a level of it (levels from that one down), and volumes without levels', () => {
  const group = join(tmp, 'v04.zarr')
  assert.deepEqual(
    findMultiscale(group)?.levels.map((l) => l.path),
    ['s0', 's1', 's2'],
  )
  assert.deepEqual(
    findMultiscale(`${group}#s0`)?.levels.map((l) => l.path),
    ['s0', 's1', 's2'],
  )
  assert.deepEqual(
    findMultiscale(`${group}#s1`)?.levels.map((l) => l.path),
    ['s1', 's2'],
  )
  // An NGFF image inside a plain group, named by its path in the store.
  const outer = join(tmp, 'outer.zarr')
  write(join(outer, '.zgroup'), { zarr_format: 2 })
  v05(join(outer, 'raw'))
  assert.equal(findMultiscale(`${outer}#raw/1`)?.group, join(outer, 'raw'))
  assert.deepEqual(
    findMultiscale(`${outer}#raw/1`)?.levels.map((l) => l.path),
    ['1'],
  )
  // A plain array and a plain group: no levels.
  v2Array(join(outer, 'plain'), [4, 4, 4])
  assert.equal(findMultiscale(`${outer}#plain`), null)
  assert.equal(findMultiscale(outer), null)
  const h5 = join(tmp, 'not-a-folder.h5')
  writeFileSync(h5, 'x')
  assert.equal(findMultiscale(`${h5}#raw`), null)
})

test('a pyramid our own builder wrote reads back with the levels the builder reported', async () => {
  const src = join(tmp, 'src.zarr')
  const w = ZarrV2ArrayWriter.openOrCreate(src, [3, 700, 520], [3, 256, 256], 'uint8')
  for (const cell of [
    [0, 0, 0],
    [0, 1, 2],
  ] as const)
    w.writeChunk([...cell], new Uint8Array(3 * 256 * 256).fill(7))
  const built = await buildPyramid({
    source: src,
    out: join(tmp, 'built.zarr'),
    kind: 'image',
    voxel: [30, 4, 4],
  })
  const read = readMultiscale(built.out)
  assert.deepEqual(
    read.levels.map((l) => [l.path, l.shape, l.scale]),
    built.levels.map((l) => [l.path, l.shape, l.scale]),
  )
  assert.deepEqual(read.levels[1]!.translation, [0, 2, 2])
})

/** Each bad group: what is changed, and the file and field the one error line must name. */
const BAD: Array<{ what: string; make: (dir: string) => void; names: string[] }> = [
  {
    what: 'an unsupported version',
    make: (d) => v04(d, { version: '0.3' }),
    names: ['.zattrs', 'multiscales[0].version', '0.3'],
  },
  {
    what: 'no datasets',
    make: (d) => v04(d, { datasets: [] }),
    names: ['.zattrs', 'multiscales[0].datasets'],
  },
  {
    what: 'a scale of the wrong length',
    make: (d) =>
      v04(d, {
        datasets: [{ path: 's0', coordinateTransformations: [{ type: 'scale', scale: [4, 4, 4] }] }],
      }),
    names: ['.zattrs', 'multiscales[0].datasets[0].coordinateTransformations[0].scale', '4 positive numbers'],
  },
  {
    what: 'a negative scale',
    make: (d) =>
      v04(d, {
        datasets: [{ path: 's0', coordinateTransformations: [{ type: 'scale', scale: [1, -40, 4, 4] }] }],
      }),
    names: ['multiscales[0].datasets[0].coordinateTransformations[0].scale', '-40'],
  },
  {
    what: 'a translation before the scale',
    make: (d) =>
      v04(d, {
        datasets: [
          { path: 's0', coordinateTransformations: [{ type: 'translation', translation: [0, 0, 0, 0] }] },
        ],
      }),
    names: ['multiscales[0].datasets[0].coordinateTransformations[0]', 'scale'],
  },
  {
    what: 'two space axes',
    make: (d) =>
      v04(d, {
        axes: [
          { name: 't', type: 'time' },
          { name: 'c', type: 'channel' },
          { name: 'y', type: 'space' },
          { name: 'x', type: 'space' },
        ],
      }),
    names: ['multiscales[0].axes', 't, c, y, x'],
  },
  {
    what: 'a level with no array',
    make: (d) =>
      v04(d, {
        datasets: [{ path: 'gone', coordinateTransformations: [{ type: 'scale', scale: [1, 40, 4, 4] }] }],
      }),
    names: ["multiscales[0].datasets[0].path 'gone'", 'no Zarr array'],
  },
  {
    what: 'levels from coarse to fine',
    make: (d) =>
      v04(d, {
        datasets: [
          { path: 's1', coordinateTransformations: [{ type: 'scale', scale: [1, 40, 8, 8] }] },
          { path: 's0', coordinateTransformations: [{ type: 'scale', scale: [1, 40, 4, 4] }] },
        ],
      }),
    names: ['multiscales[0].datasets[1]', 'finest to coarsest'],
  },
  {
    what: 'a channel axis longer than 1',
    make: (d) => {
      v04(d)
      v2Array(join(d, 's0'), [2, 10, 400, 300])
    },
    names: ["multiscales[0].datasets[0].path 's0'", 'length 1 along c'],
  },
  {
    what: 'metadata that is not JSON',
    make: (d) => {
      v04(d)
      write(join(d, '.zattrs'), '{"multiscales": [')
    },
    names: ['.zattrs', 'not valid JSON'],
  },
]

for (const bad of BAD)
  test(`bad metadata is an InputError naming file and field: ${bad.what}`, () => {
    const dir = join(tmp, `bad-${bad.what.replaceAll(' ', '-')}.zarr`)
    bad.make(dir)
    assert.throws(
      () => readMultiscale(dir),
      (e: unknown) => {
        assert.ok(e instanceof InputError, String(e))
        assert.ok(e.message.includes(dir), e.message)
        for (const n of bad.names) assert.ok(e.message.includes(n), `'${e.message}' should name '${n}'`)
        return true
      },
    )
  })

test('0.5: a group without attributes.ome is no multiscale group; bad ome metadata names zarr.json', () => {
  const dir = join(tmp, 'bad-v05.zarr')
  v05(dir)
  write(join(dir, 'zarr.json'), {
    zarr_format: 3,
    node_type: 'group',
    attributes: { ome: { version: '0.5', multiscales: [{ axes: 'zyx', datasets: [] }] } },
  })
  assert.throws(() => readMultiscale(dir), /zarr\.json: multiscales\[0\]\.axes/)
  write(join(dir, 'zarr.json'), { zarr_format: 3, node_type: 'group', attributes: {} })
  assert.throws(() => readMultiscale(dir), /not an OME-Zarr multiscale group/)
  assert.equal(findMultiscale(`${dir}#0`), null)
})
