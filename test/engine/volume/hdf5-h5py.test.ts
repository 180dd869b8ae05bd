import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { cliJson, REPO } from '../../helpers/cli.ts'
import { hashVolume } from '../../helpers/hash.ts'
import { needPython, pythonHas, REQUIRED, runPython, tempDir } from '../../helpers/peers.ts'
import { readFileSync } from 'node:fs'

interface Written {
  shape: number[]
  dtype: string
  chunks: number[] | null
  sha256: string | null
}

const usable = pythonHas(['h5py', 'numpy'])
const tmp = tempDir('h5py')
let manifest: Record<string, Record<string, Written>> = {}

describe(
  'HDF5 written by h5py',
  { skip: !usable && !REQUIRED ? 'python3-h5py not installed' : false },
  () => {
    before(() => {
      const script = readFileSync(join(REPO, 'test/fixtures/write_h5py.py'), 'utf8')
      manifest = JSON.parse(runPython(script, [tmp.dir])) as typeof manifest
    })
    after(() => tmp.cleanup())

    test('activeem info lists every dataset with shape, dtype and chunks as h5py wrote them', (t) => {
      if (!needPython(t, ['h5py', 'numpy'])) return
      for (const [file, datasets] of Object.entries(manifest)) {
        const listing = cliJson<{
          format: string
          datasets: Array<{ name: string; shape: number[]; dtype: string; chunks: number[] | null }>
        }>(['info', file])
        assert.equal(listing.format, 'hdf5')
        assert.deepEqual(listing.datasets.map((d) => d.name).sort(), Object.keys(datasets).sort())
        for (const d of listing.datasets) {
          const w = datasets[d.name]!
          assert.deepEqual(d.shape, w.shape, d.name)
          assert.equal(d.dtype, w.dtype, d.name)
          if (w.chunks !== null || w.sha256 !== null) assert.deepEqual(d.chunks, w.chunks, d.name)
        }
      }
    })

    test('every 3D dataset reads value for value (gzip, lzf, shuffle, contiguous, big-endian, uint64, nested groups)', async (t) => {
      if (!needPython(t, ['h5py', 'numpy'])) return
      let checked = 0
      for (const [file, datasets] of Object.entries(manifest)) {
        for (const [name, w] of Object.entries(datasets)) {
          if (w.sha256 === null) continue
          const got = await hashVolume(`${file}#${name}`)
          assert.deepEqual(got.shape, w.shape, name)
          assert.equal(got.dtype, w.dtype, name)
          assert.equal(got.sha256, w.sha256, `${name}: bytes differ from what h5py wrote`)
          checked++
        }
      }
      assert.ok(checked >= 10, `checked ${checked} datasets`)
    })

    test('a file holding one dataset opens by its path alone', async (t) => {
      if (!needPython(t, ['h5py', 'numpy'])) return
      const file = Object.keys(manifest).find((f) => f.endsWith('single.h5'))!
      assert.equal((await hashVolume(file)).sha256, manifest[file]!.volume!.sha256)
    })

    test('activeem read regions equal h5py slicing, crossing chunk borders', (t) => {
      if (!needPython(t, ['h5py', 'numpy'])) return
      const file = Object.keys(manifest).find((f) => f.endsWith('written_by_h5py.h5'))!
      const checker = readFileSync(join(REPO, 'test/fixtures/check_region.py'), 'utf8')
      const cases: Array<[string, string]> = [
        ['raw_u8_gzip_chunked', '3:11,5:33,15:40'],
        ['labels_u64_gzip', '1:5,2:9,4:12'],
        ['prob_f32_gzip', '0:9,7:9,0:19'],
        ['a/b/c/nested_i16', '1:2,0:4,2:3'],
        ['big_endian_u16', '0:3,1:4,2:6'],
      ]
      for (const [name, region] of cases) {
        const out = join(tmp.dir, `${name.replaceAll('/', '_')}.npy`)
        const r = cliJson<{ shape: number[]; out: string }>([
          'read',
          `${file}#${name}`,
          '--region',
          region,
          '--out',
          out,
        ])
        assert.equal(r.out, out)
        assert.equal(runPython(checker, [`${file}#${name}`, region, out]).trim(), 'equal', name)
      }
    })
  },
)
