import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { cliJson, REPO } from '../../helpers/cli.ts'
import { hashVolume } from '../../helpers/hash.ts'
import { needPython, pythonHas, REQUIRED, runPython, tempDir } from '../../helpers/peers.ts'

interface Written {
  shape: number[]
  dtype: string
  chunks: number[] | null
  sha256: string | null
}

const usable = pythonHas(['zarr', 'numcodecs', 'numpy'])
const tmp = tempDir('zarr')
let manifest: Record<string, Record<string, Written>> = {}
const storeNamed = (suffix: string): string => Object.keys(manifest).find((f) => f.endsWith(suffix))!

describe(
  'Zarr v2 written by python zarr',
  { skip: !usable && !REQUIRED ? 'python3-zarr not installed' : false },
  () => {
    before(() => {
      const script = readFileSync(join(REPO, 'test/fixtures/write_zarr.py'), 'utf8')
      manifest = JSON.parse(runPython(script, [tmp.dir])) as typeof manifest
    })
    after(() => tmp.cleanup())

    test('activeem info lists every array of a group, nested ones included', (t) => {
      if (!needPython(t, ['zarr', 'numpy'])) return
      const store = storeNamed('written_by_zarr.zarr')
      const listing = cliJson<{
        format: string
        datasets: Array<{ name: string; shape: number[]; dtype: string; chunks: number[] }>
      }>(['info', store])
      assert.equal(listing.format, 'zarr')
      assert.deepEqual(listing.datasets.map((d) => d.name).sort(), Object.keys(manifest[store]!).sort())
      for (const d of listing.datasets) {
        const w = manifest[store]![d.name]!
        assert.deepEqual([d.shape, d.dtype, d.chunks], [w.shape, w.dtype, w.chunks], d.name)
      }
    })

    test('every 3D array reads value for value (blosc, zstd, gzip, lz4, zlib, none, "/" separator, uint64)', async (t) => {
      if (!needPython(t, ['zarr', 'numpy'])) return
      const store = storeNamed('written_by_zarr.zarr')
      let checked = 0
      for (const [name, w] of Object.entries(manifest[store]!)) {
        if (w.sha256 === null) continue
        const got = await hashVolume(`${store}#${name}`)
        assert.deepEqual([got.shape, got.dtype, got.sha256], [w.shape, w.dtype, w.sha256], name)
        checked++
      }
      assert.equal(checked, 7)
    })

    test('an OME-Zarr multiscale group opens at its full-resolution level, 5D squeezed to z, y, x', async (t) => {
      if (!needPython(t, ['zarr', 'numpy'])) return
      const ome = storeNamed('ome.zarr')
      const listing = cliJson<{ datasets: Array<{ name: string; shape: number[] }> }>(['info', ome])
      assert.deepEqual(
        listing.datasets.map((d) => [d.name, d.shape]),
        [
          ['0', [1, 1, 8, 32, 32]],
          ['1', [1, 1, 8, 16, 16]],
        ],
      )
      const full = manifest[ome]!.full_resolution_3d!
      const got = await hashVolume(ome)
      assert.deepEqual([got.shape, got.sha256], [full.shape, full.sha256])
      const stats = cliJson<{ name: string; shape: number[] }>(['info', ome, '--stats'])
      assert.equal(stats.name, '0')
    })

    test('a store that is one array opens by its path alone', async (t) => {
      if (!needPython(t, ['zarr', 'numpy'])) return
      const single = storeNamed('single_array.zarr')
      assert.equal((await hashVolume(single)).sha256, manifest[single]!['']!.sha256)
    })

    test('activeem read regions equal zarr slicing across chunk borders', (t) => {
      if (!needPython(t, ['zarr', 'numpy'])) return
      const store = storeNamed('written_by_zarr.zarr')
      const checker = readFileSync(join(REPO, 'test/fixtures/check_region.py'), 'utf8')
      for (const [name, region] of [
        ['raw_blosc_default', '2:9,3:30,1:28'],
        ['labels/clefts_u64_zstd', '0:6,6:8,8:10'],
        ['prob_f32_lz4_slash', '1:6,0:9,3:13'],
      ] as const) {
        const out = join(tmp.dir, `${name.replaceAll('/', '_')}.npy`)
        cliJson(['read', `${store}#${name}`, '--region', region, '--out', out])
        assert.equal(runPython(checker, [`${store}#${name}`, region, out]).trim(), 'equal', name)
      }
    })
  },
)
