import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { cliJson, REPO } from '../../helpers/cli.ts'
import { needPython, needSharedData, runPython } from '../../helpers/peers.ts'
import { streamHash } from '../../helpers/stream-hash.ts'

/** Shapes and dtypes as each SOURCE.md states them. */
const EXPECTED: Record<string, Record<string, Record<string, [number[], string]>>> = {
  'gala-fib-mini': {
    'train-image.h5': { stack: [[50, 100, 200], 'uint8'] },
    'train-gt.lzf.h5': { stack: [[50, 100, 200], 'int32'] },
    'test-image.h5': { stack: [[50, 100, 200], 'uint8'] },
    'test-gt.lzf.h5': { stack: [[50, 100, 200], 'int32'] },
  },
  'lucchipp-mito': {
    'lucchipp_train_crop.h5': {
      raw: [[100, 512, 512], 'uint8'],
      'labels/mitochondria': [[100, 512, 512], 'uint8'],
      'labels/mitochondria_instances': [[100, 512, 512], 'uint32'],
    },
    'lucchipp_test_crop.h5': {
      raw: [[100, 512, 512], 'uint8'],
      'labels/mitochondria': [[100, 512, 512], 'uint8'],
      'labels/mitochondria_instances': [[100, 512, 512], 'uint32'],
    },
  },
  'vnc-sstem': {
    'vnc_stack1.h5': Object.fromEntries(
      [
        ['raw', 'uint8'],
        ['labels/synapses', 'uint8'],
        ['labels/mitochondria', 'uint8'],
        ['labels/membranes', 'uint8'],
        ['labels/merged', 'uint8'],
        ['labels/synapses_instances', 'uint32'],
        ['labels/mitochondria_instances', 'uint32'],
      ].map(([name, dtype]) => [name!, [[20, 1024, 1024], dtype!] as [number[], string]]),
    ),
  },
}

/** The image stacks (PNG/TIFF slices, multi-page TIFF) and their shapes as SOURCE.md states them. */
const STACKS: Array<[string, string, number[]]> = [
  ['cdeep3m-sbem-mito', 'training/images', [20, 1024, 1024]],
  ['cdeep3m-sbem-mito', 'training/labels', [20, 1024, 1024]],
  ['cdeep3m-sbem-mito', 'validation/images', [10, 1024, 1024]],
  ['cdeep3m-sbem-mito', 'validation/labels', [10, 1024, 1024]],
  ['cdeep3m-sbem-mito', 'testset', [5, 1024, 1024]],
  ['lucchipp-mito', 'lucchipp_test_small_raw.tif', [32, 256, 256]],
  ['lucchipp-mito', 'lucchipp_test_small_mito.tif', [32, 256, 256]],
  ['vnc-sstem', 'stack1/raw', [20, 1024, 1024]],
  ['vnc-sstem', 'stack1/labels', [20, 1024, 1024]],
  ['vnc-sstem', 'stack1/mitochondria', [20, 1024, 1024]],
  ['vnc-sstem', 'stack1/synapses', [20, 1024, 1024]],
  ['vnc-sstem', 'stack1/membranes', [20, 1024, 1024]],
  ['vnc-sstem', 'stack2/raw', [20, 1024, 1024]],
]

const hasher = readFileSync(join(REPO, 'test/fixtures/hash_h5py.py'), 'utf8')
const pilHasher = readFileSync(join(REPO, 'test/fixtures/hash_pil.py'), 'utf8')

describe('real EM volumes in ../shared/data', () => {
  for (const [folder, files] of Object.entries(EXPECTED)) {
    for (const [file, datasets] of Object.entries(files)) {
      test(`${folder}/${file}: listing matches SOURCE.md and every dataset equals h5py's read`, async (t) => {
        const dir = needSharedData(t, folder)
        if (!dir || !needPython(t, ['h5py', 'numpy'])) return
        const path = join(dir, file)
        const listing = cliJson<{
          format: string
          datasets: Array<{ name: string; shape: number[]; dtype: string }>
        }>(['info', path])
        assert.equal(listing.format, 'hdf5')
        assert.deepEqual(
          Object.fromEntries(listing.datasets.map((d) => [d.name, [d.shape, d.dtype]])),
          datasets,
        )
        const reference = JSON.parse(runPython(hasher, [path])) as Record<string, { sha256: string }>
        for (const name of Object.keys(datasets)) {
          const ours = await streamHash(`${path}#${name}`)
          assert.equal(ours.sha256, reference[name]!.sha256, `${file}#${name} differs from h5py`)
        }
      })
    }
  }

  for (const [folder, sub, shape] of STACKS) {
    test(`${folder}/${sub}: image stack reads as Pillow reads it (palette indices, 1-bit, TIFF)`, async (t) => {
      const dir = needSharedData(t, folder)
      if (!dir || !needPython(t, ['PIL', 'numpy'])) return
      const path = join(dir, sub)
      const listing = cliJson<{ datasets: Array<{ shape: number[]; dtype: string }> }>(['info', path])
      assert.deepEqual(
        listing.datasets.map((d) => [d.shape, d.dtype]),
        [[shape, 'uint8']],
      )
      const reference = JSON.parse(runPython(pilHasher, [path])) as { shape: number[]; sha256: string }
      const ours = await streamHash(path)
      assert.deepEqual(ours.shape, reference.shape)
      assert.equal(ours.sha256, reference.sha256, `${sub} differs from Pillow`)
    })
  }

  test('cdeep3m training labels: mitochondria fraction as SOURCE.md counts it (8.79 %)', (t) => {
    const dir = needSharedData(t, 'cdeep3m-sbem-mito')
    if (!dir) return
    const r = cliJson<{ stats: { max: number; mean: number } }>([
      'info',
      join(dir, 'training/labels'),
      '--stats',
    ])
    assert.equal(r.stats.max, 1)
    assert.equal(Math.round(r.stats.mean * 20 * 1024 * 1024), 1843694)
  })

  test('vnc-sstem raw --stats agrees with SOURCE.md (mean 128.6)', (t) => {
    const dir = needSharedData(t, 'vnc-sstem')
    if (!dir) return
    const r = cliJson<{ stats: { min: number; max: number; mean: number } }>([
      'info',
      `${join(dir, 'vnc_stack1.h5')}#raw`,
      '--stats',
    ])
    assert.equal(r.stats.min, 0)
    assert.equal(r.stats.max, 255)
    assert.ok(Math.abs(r.stats.mean - 128.6) < 0.05, `mean ${r.stats.mean}`)
  })
})
