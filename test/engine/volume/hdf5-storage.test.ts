import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { cliJson, oneErrorLine } from '../../helpers/cli.ts'
import { needPython, pythonHas, REQUIRED, runPython, tempDir } from '../../helpers/peers.ts'

const tmp = tempDir('hdf5-storage')
const at = (name: string): string => join(tmp.dir, name)

/**
 * Written by h5py: datasets of 2000^3 voxels with two chunks written, in both chunk indexes h5py
 * makes (v1 B-tree by default, a paged fixed array with libver="latest"), one with unlimited
 * dimensions (extensible array, which we do not walk), and a small chunked int16 dataset whose
 * datatype message the test then makes lie. Prints the true statistics of each.
 */
const WRITE = `
import sys, json, h5py, numpy as np
d = sys.argv[1]
truth = {}
def sparse(f, name, **kw):
    ds = f.create_dataset(name, shape=(2000, 2000, 2000), dtype='uint16', chunks=(16, 64, 64), fillvalue=7, **kw)
    ds[0:16, 0:64, 0:64] = 1
    ds[1000:1010, 500:520, 1990:2000] = 3000
    n = 2000 ** 3
    total = 7 * (n - 16 * 64 * 64 - 10 * 20 * 10) + 1 * 16 * 64 * 64 + 3000 * 10 * 20 * 10
    truth[name] = {'min': 1, 'max': 3000, 'mean': total / n}
with h5py.File(d + '/btree.h5', 'w') as f:
    sparse(f, 'sparse')
    f.create_dataset('int16', data=np.arange(4 * 8 * 8, dtype='<i2').reshape(4, 8, 8) - 100, chunks=(2, 4, 4))
with h5py.File(d + '/latest.h5', 'w', libver='latest') as f:
    sparse(f, 'sparse')
    a = np.arange(6 * 10 * 12, dtype='float32').reshape(6, 10, 12)
    f.create_dataset('unlimited', data=a, chunks=(2, 4, 4), maxshape=(None, None, 12), compression='gzip')
    truth['unlimited'] = {'min': float(a.min()), 'max': float(a.max()), 'mean': float(a.mean())}
print(json.dumps(truth))
`

interface Stats {
  stats: { min: number; max: number; mean: number }
}

describe(
  'HDF5 storage: allocated chunks and a layout that agrees with the datatype',
  { skip: !pythonHas(['h5py', 'numpy']) && !REQUIRED },
  () => {
    let truth: Record<string, { min: number; max: number; mean: number }> = {}
    before(() => {
      truth = JSON.parse(runPython(WRITE, [tmp.dir])) as typeof truth
      const bytes = readFileSync(at('btree.h5'))
      // The int16 dataset's datatype message: fixed-point v1, signed, 2 bytes, offset 0, precision 16.
      const message = Buffer.from([0x10, 0x08, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00])
      const found = bytes.indexOf(message)
      assert.ok(found > 0 && bytes.indexOf(message, found + 1) < 0, 'int16 datatype message not found once')
      const lying = Buffer.from(bytes)
      lying.writeUInt32LE(4, found + 4)
      writeFileSync(at('dtype-lie.h5'), lying)
      // The sparse dataset's chunk B-tree (node type 1) loses its signature.
      const node = bytes.indexOf(Buffer.from('TREE\x01', 'latin1'))
      assert.ok(node > 0, 'chunk B-tree not found')
      const broken = Buffer.from(bytes)
      broken.write('TRXE', node, 'latin1')
      writeFileSync(at('btree-broken.h5'), broken)
    })
    after(() => tmp.cleanup())

    // 8 x 10^9 voxels: only the two allocated chunks are read, or this would not end.
    for (const file of ['btree.h5', 'latest.h5'])
      test(`--stats over 2000^3 voxels with two chunks written (${file}) reads those chunks`, (t) => {
        if (!needPython(t, ['h5py', 'numpy'])) return
        const r = cliJson<Stats>(['info', `${at(file)}#sparse`, '--stats'])
        assert.equal(r.stats.min, truth.sparse!.min)
        assert.equal(r.stats.max, truth.sparse!.max)
        assert.ok(
          Math.abs(r.stats.mean - truth.sparse!.mean) < 1e-9,
          `${r.stats.mean} vs ${truth.sparse!.mean}`,
        )
      })

    test('an index we do not walk (extensible array) is read whole, equal to h5py', (t) => {
      if (!needPython(t, ['h5py', 'numpy'])) return
      const r = cliJson<Stats>(['info', `${at('latest.h5')}#unlimited`, '--stats'])
      assert.deepEqual(
        { ...r.stats, mean: Number(r.stats.mean.toFixed(6)) },
        { ...truth.unlimited!, mean: Number(truth.unlimited!.mean.toFixed(6)) },
      )
    })

    test('a datatype that lies about its size is refused, naming both sizes', (t) => {
      if (!needPython(t, ['h5py', 'numpy'])) return
      const spec = `${at('dtype-lie.h5')}#int16`
      const args = ['read', spec, '--region', '0:1,0:1,0:4']
      oneErrorLine(args, [spec, 'datatype says 4-byte elements', 'chunk layout 2-byte'])
      oneErrorLine(['info', spec, '--stats'], [spec, 'datatype says 4-byte elements'])
    })

    test('a damaged chunk B-tree is one error naming the dataset', (t) => {
      if (!needPython(t, ['h5py', 'numpy'])) return
      const spec = `${at('btree-broken.h5')}#sparse`
      oneErrorLine(['info', spec, '--stats'], [spec, 'damaged chunk index', 'expected TREE'])
    })
  },
)
