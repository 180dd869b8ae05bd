import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { before, describe, test } from 'node:test'
import { InputError } from '../../../src-main/engine/errors.ts'
import { liveDecodeWorkers, OFF_THREAD_BYTES } from '../../../src-main/engine/volume/decode-pool.ts'
import { computeStats, openVolume, type Region } from '../../../src-main/engine/volume/index.ts'
import { bloscStored } from '../../../src-main/engine/volume/blosc-header.ts'
import { oneErrorLine } from '../../helpers/cli.ts'
import { needPython, runPython, scopedTempDir } from '../../helpers/peers.ts'

const tmp = scopedTempDir('zarr-workers')
const SHAPE = [20, 300, 310] as const
/** 128 KiB chunks: each compresses to well over OFF_THREAD_BYTES, so every one decodes on a worker. */
const CHUNKS = [8, 128, 128] as const

/** Seeded bytes: `bits` random low bits per voxel, so the codecs compress them about as much. */
function values(bits: number, seed: number): Uint8Array {
  const out = new Uint8Array(SHAPE[0] * SHAPE[1] * SHAPE[2])
  let s = seed
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    out[i] = (s >>> 16) & ((1 << bits) - 1)
  }
  return out
}
const grey = values(4, 7)
const noise = values(8, 11)

/** zarr-python writes the same values once per codec, into one v2 group. */
const WRITE = `
import sys, numpy as np, zarr, numcodecs
out, shape, chunks = sys.argv[1], (${SHAPE.join(', ')}), (${CHUNKS.join(', ')})
grey = np.fromfile(sys.argv[2], dtype=np.uint8).reshape(shape)
noise = np.fromfile(sys.argv[3], dtype=np.uint8).reshape(shape)
g = zarr.open_group(out, mode='w')
for name, data, comp in [
    ('blosc_zstd', grey, numcodecs.Blosc(cname='zstd', clevel=3, shuffle=1)),
    ('blosc_lz4_noise', noise, numcodecs.Blosc(cname='lz4', clevel=5, shuffle=1)),
    ('zstd', grey, numcodecs.Zstd(level=3)),
    ('gzip', grey, numcodecs.GZip(level=4)),
    ('none', grey, None),
]:
    g.create_dataset(name, data=data, chunks=chunks, compressor=comp)
`

const store = join(tmp.dir, 'codecs.zarr')

function expected(data: Uint8Array, r: Region): Uint8Array {
  const out = new Uint8Array((r.z1 - r.z0) * (r.y1 - r.y0) * (r.x1 - r.x0))
  let i = 0
  for (let z = r.z0; z < r.z1; z++)
    for (let y = r.y0; y < r.y1; y++) {
      const at = (z * SHAPE[1] + y) * SHAPE[2]
      out.set(data.subarray(at + r.x0, at + r.x1), i)
      i += r.x1 - r.x0
    }
  return out
}

/** The first index where two arrays differ, or -1: a failure names a voxel, not 200k numbers. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return 0
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i
  return -1
}

const REGIONS: Array<[string, Region]> = [
  ['chunk-aligned, 2 x 2 x 2 chunks', { z0: 8, z1: 20, y0: 128, y1: 300, x0: 0, x1: 256 }],
  ['unaligned, across every chunk border', { z0: 3, z1: 19, y0: 50, y1: 290, x0: 7, x1: 309 }],
  ['one row of chunks along x', { z0: 5, z1: 6, y0: 100, y1: 101, x0: 0, x1: 310 }],
  // Whole chunks spanning the region's rows and planes: stored values are read straight into it.
  ['a column of whole chunks', { z0: 0, z1: 16, y0: 128, y1: 256, x0: 0, x1: 128 }],
]

describe('Zarr chunks decoded on worker threads, read ahead', () => {
  before(() => {
    writeFileSync(join(tmp.dir, 'grey.raw'), grey)
    writeFileSync(join(tmp.dir, 'noise.raw'), noise)
  })

  test('blosc, zstd, gzip and uncompressed regions equal the values zarr-python wrote, aligned or not', async (t) => {
    if (!needPython(t, ['zarr', 'numcodecs', 'numpy'])) return
    runPython(WRITE, [store, join(tmp.dir, 'grey.raw'), join(tmp.dir, 'noise.raw')])
    // The worker path is taken only for chunks this large: the fixture must stay above it.
    assert.ok(readFileSync(join(store, 'zstd', '0.0.0')).length >= OFF_THREAD_BYTES)
    // Incompressible noise is stored by blosc as-is; that chunk is copied out, not decoded.
    assert.ok(bloscStored(readFileSync(join(store, 'blosc_lz4_noise', '0.0.0'))) !== null)
    for (const [name, data] of [
      ['blosc_zstd', grey],
      ['blosc_lz4_noise', noise],
      ['zstd', grey],
      ['gzip', grey],
      ['none', grey],
    ] as const) {
      const v = await openVolume(`${store}#${name}`)
      for (const [what, r] of REGIONS) {
        const got = (await v.readRegion(r)) as Uint8Array
        assert.equal(firstDifference(got, expected(data, r)), -1, `${name}, ${what}`)
      }
      let [sum, min, max] = [0, 255, 0]
      for (const x of data) {
        sum += x
        if (x < min) min = x
        if (x > max) max = x
      }
      // Edge chunks hold padding past the array's 300 x 310: summed in, it would move all three.
      assert.deepEqual(await computeStats(v), { min, max, mean: sum / data.length }, name)
      v.close()
    }
    assert.ok(liveDecodeWorkers() > 0, 'the chunks were decoded on worker threads')
  })

  test('a damaged chunk is one error naming it, and the workers go on decoding', async (t) => {
    if (!needPython(t, ['zarr', 'numcodecs', 'numpy'])) return
    const copy = join(tmp.dir, 'damaged.zarr')
    runPython(WRITE, [copy, join(tmp.dir, 'grey.raw'), join(tmp.dir, 'noise.raw')])
    // Garbage in the middle of a gzip stream (its CRC catches it) and a zstd frame cut short (a
    // frame without a checksum cannot tell garbage from data), each in an inner chunk, so reads
    // ahead are in flight when it fails.
    const gz = join(copy, 'gzip', '1.1.1')
    const bytes = readFileSync(gz)
    bytes.fill(0x5a, bytes.length >> 1, (bytes.length >> 1) + 4096)
    writeFileSync(gz, bytes)
    const zs = join(copy, 'zstd', '1.1.1')
    const frame = readFileSync(zs)
    assert.ok(frame.length >> 1 >= OFF_THREAD_BYTES)
    writeFileSync(zs, frame.subarray(0, frame.length >> 1))
    for (const [name, key] of [
      ['gzip', '1.1.1'],
      ['zstd', '1.1.1'],
    ] as const) {
      const v = await openVolume(`${copy}#${name}`)
      await assert.rejects(
        () => computeStats(v),
        (e: unknown) => {
          assert.ok(e instanceof InputError, String(e))
          assert.ok(e.message.includes(`chunk ${key}: cannot decode`), e.message)
          assert.ok(e.message.includes(name), e.message)
          return true
        },
      )
      // The pool survives a bad chunk: the intact ones around it still read.
      const r: Region = { z0: 0, z1: 8, y0: 0, y1: 128, x0: 0, x1: 256 }
      assert.equal(firstDifference((await v.readRegion(r)) as Uint8Array, expected(grey, r)), -1)
      v.close()
    }
    oneErrorLine(['info', `${copy}#gzip`, '--stats'], [`${copy}#gzip`, 'chunk 1.1.1', 'cannot decode'])
    // Chunks whose files hold their values are read straight into the region only when their size
    // is exactly right; a short one still meets the checks of the decoding path.
    const stored = join(copy, 'blosc_lz4_noise', '1.1.0')
    writeFileSync(stored, readFileSync(stored).subarray(0, 5000))
    const plain = join(copy, 'none', '1.1.0')
    writeFileSync(plain, readFileSync(plain).subarray(0, 5000))
    const column: Region = { z0: 0, z1: 16, y0: 128, y1: 256, x0: 0, x1: 128 }
    for (const [name, words] of [
      ['blosc_lz4_noise', 'the chunk holds 5000 bytes, its header says'],
      ['none', 'decodes to 5000 values, expected 131072'],
    ] as const) {
      const v = await openVolume(`${copy}#${name}`)
      await assert.rejects(
        () => v.readRegion(column),
        (e: unknown) => {
          assert.ok(e instanceof InputError, String(e))
          assert.ok(e.message.includes('chunk 1.1.0') && e.message.includes(words), e.message)
          return true
        },
      )
      // Statistics summarise chunks where they are decoded; the same checks hold there.
      await assert.rejects(
        () => computeStats(v),
        (e: unknown) => {
          assert.ok(e instanceof InputError, String(e))
          assert.ok(e.message.includes('chunk 1.1.0') && e.message.includes(words), e.message)
          return true
        },
      )
      v.close()
    }
  })

  test('statistics of multi-byte chunks decoded on the workers equal numpy, edge chunks included', async (t) => {
    if (!needPython(t, ['zarr', 'numcodecs', 'numpy'])) return
    const out = join(tmp.dir, 'typed.zarr')
    const want = JSON.parse(
      runPython(
        `
import sys, json, numpy as np, zarr, numcodecs
rng = np.random.default_rng(3)
g = zarr.open_group(sys.argv[1], mode='w')
shape, chunks, stats = (${SHAPE.join(', ')}), (${CHUNKS.join(', ')}), {}
for name, data, comp in [
    ('f4_blosc', rng.normal(5, 3, shape).astype('<f4'), numcodecs.Blosc(cname='lz4', clevel=5, shuffle=1)),
    ('i2_zstd', rng.integers(-900, 900, shape).astype('<i2'), numcodecs.Zstd(level=3)),
    ('f8_gzip', rng.normal(-2, 1, shape), numcodecs.GZip(level=1)),
]:
    g.create_dataset(name, data=data, chunks=chunks, compressor=comp)
    stats[name] = {'min': float(data.min()), 'max': float(data.max()), 'mean': float(data.astype(np.float64).mean())}
print(json.dumps(stats))
`,
        [out],
      ),
    ) as Record<string, { min: number; max: number; mean: number }>
    for (const [name, expected] of Object.entries(want)) {
      const v = await openVolume(`${out}#${name}`)
      const got = await computeStats(v)
      v.close()
      assert.equal(got.min, expected.min, name)
      assert.equal(got.max, expected.max, name)
      assert.ok(Math.abs(got.mean - expected.mean) <= 1e-9 * Math.abs(expected.mean), `${name}: ${got.mean}`)
    }
  })
})
