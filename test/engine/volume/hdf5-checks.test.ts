import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { oneErrorLine, runCli, REPO } from '../../helpers/cli.ts'
import { needPython, pythonHas, REQUIRED, runPython, tempDir } from '../../helpers/peers.ts'

const tmp = tempDir('hdf5-checks')
const at = (name: string): string => join(tmp.dir, name)

/** Written by h5py: the filters real files use, names that are not UTF-8, a chunk of 2 MiB. */
const WRITE = `
import sys, h5py, numpy as np
d = sys.argv[1]
with h5py.File(d + '/filters.h5', 'w') as f:
    f.create_dataset('scaleoffset', data=np.linspace(0, 1, 4 * 8 * 8).reshape(4, 8, 8), chunks=(2, 4, 4), scaleoffset=4)
    f.create_dataset('lzf', data=np.arange(4 * 8 * 8, dtype='uint16').reshape(4, 8, 8), chunks=(2, 4, 4), compression='lzf')
    f.create_dataset('big_chunk', data=np.zeros((64, 64, 64), dtype='float64'), chunks=(64, 64, 64))
with h5py.File(d + '/names.h5', 'w') as f:
    f.create_dataset('good', data=np.arange(4 * 8 * 8, dtype='uint8').reshape(4, 8, 8))
    f.create_dataset(b'bad\\xff\\xfe', data=np.ones((4, 8, 8), dtype='uint8'))
    f.create_group(b'g\\xe9').create_dataset('inner', data=np.full((2, 2, 4), -3, dtype='int16'))
`

describe(
  'HDF5 reads say what is wrong, in one line',
  { skip: !pythonHas(['h5py', 'numpy']) && !REQUIRED },
  () => {
    before(() => {
      runPython(WRITE, [tmp.dir])
      // The lzf dataset's filter id (32000) rewritten to 32017 (SZ), a filter neither h5wasm nor its
      // plugins decode: the file is otherwise intact.
      const bytes = readFileSync(at('filters.h5'))
      // Filter pipeline entry: id 32000 (LE), name length 8, then flags, value count and "lzf".
      const id = bytes.indexOf(Buffer.from([0x00, 0x7d, 0x08, 0x00]))
      assert.ok(id > 0 && bytes.subarray(id + 8, id + 11).toString() === 'lzf', 'lzf filter entry not found')
      const sz = Buffer.from(bytes)
      sz.writeUInt16LE(32017, id)
      writeFileSync(at('sz.h5'), sz)
    })
    after(() => tmp.cleanup())

    test('scale-offset and lzf datasets read equal to h5py', (t) => {
      if (!needPython(t, ['h5py', 'numpy'])) return
      for (const name of ['scaleoffset', 'lzf']) {
        const out = at(`${name}.npy`)
        const r = runCli(['read', `${at('filters.h5')}#${name}`, '--region', '0:4,0:8,0:8', '--out', out])
        assert.equal(r.code, 0, r.stderr)
        const check = runPython(readFileSync(join(REPO, 'test/fixtures/check_region.py'), 'utf8'), [
          `${at('filters.h5')}#${name}`,
          '0:4,0:8,0:8',
          out,
        ])
        assert.equal(check.trim(), 'equal', name)
      }
    })

    test('a filter we cannot decode is named with its id', (t) => {
      if (!needPython(t, ['h5py', 'numpy'])) return
      oneErrorLine(
        ['read', `${at('sz.h5')}#lzf`, '--region', '0:1,0:1,0:1'],
        [`${at('sz.h5')}#lzf`, 'HDF5 filter', '(id 32017) is not supported'],
      )
    })

    test('a chunk larger than the memory budget is refused with its numbers', (t) => {
      if (!needPython(t, ['h5py', 'numpy'])) return
      oneErrorLine(
        ['info', `${at('filters.h5')}#big_chunk`, '--stats'],
        ['one chunk of 64 x 64 x 64 float64 needs 2 MiB', 'memory budget of 1 MiB'],
        { ACTIVEEM_MEMORY_BUDGET: '1M' },
      )
      const r = runCli(['info', `${at('filters.h5')}#big_chunk`, '--stats'], {
        env: { ACTIVEEM_MEMORY_BUDGET: '4M' },
      })
      assert.equal(r.code, 0, r.stderr)
      oneErrorLine(['info', `${at('filters.h5')}#lzf`, '--stats'], ['ACTIVEEM_MEMORY_BUDGET', "'lots'"], {
        ACTIVEEM_MEMORY_BUDGET: 'lots',
      })
    })

    test('a name that is not UTF-8 is listed escaped, without wasm warnings, and opens by its escape', (t) => {
      if (!needPython(t, ['h5py', 'numpy'])) return
      const r = runCli(['info', at('names.h5'), '--json'])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stderr, '')
      const listing = JSON.parse(r.stdout) as { datasets: Array<{ name: string; dtype: string }> }
      assert.deepEqual(
        listing.datasets.map((d) => [d.name, d.dtype]),
        [
          ['good', 'uint8'],
          ['bad\\xff\\xfe', 'uint8'],
          ['g\\xe9/inner', 'int16'],
        ],
      )
      const read = (name: string): string => {
        const out = runCli(['read', `${at('names.h5')}#${name}`, '--region', '0:1,0:1,0:3'])
        assert.equal(out.code, 0, out.stderr)
        return out.stdout.trim()
      }
      assert.equal(read('good'), '0 1 2')
      assert.equal(read('bad\\xff\\xfe'), '1 1 1')
      assert.equal(read('g\\xe9/inner'), '-3 -3 -3')
    })
  },
)
