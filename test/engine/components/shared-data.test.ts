import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { labelVolume, type Connectivity } from '../../../src-main/engine/components/index.ts'
import { openVolume } from '../../../src-main/engine/volume/index.ts'
import { REPO } from '../../helpers/cli.ts'
import { needPython, needSharedData, runPython, tempDir } from '../../helpers/peers.ts'

/** Every integer label volume under ../shared/data (the raw images are left out). */
const LABEL_VOLUMES: Array<[string, string[]]> = [
  ['gala-fib-mini', ['train-gt.lzf.h5#stack', 'test-gt.lzf.h5#stack']],
  [
    'lucchipp-mito',
    [
      ...['lucchipp_train_crop.h5', 'lucchipp_test_crop.h5'].flatMap((f) => [
        `${f}#labels/mitochondria`,
        `${f}#labels/mitochondria_instances`,
      ]),
      'lucchipp_test_small_mito.tif',
    ],
  ],
  [
    'vnc-sstem',
    [
      ...[
        'synapses',
        'mitochondria',
        'membranes',
        'merged',
        'synapses_instances',
        'mitochondria_instances',
      ].map((d) => `vnc_stack1.h5#labels/${d}`),
      ...['labels', 'mitochondria', 'synapses', 'membranes'].map((d) => `stack1/${d}`),
    ],
  ],
  ['cdeep3m-sbem-mito', ['training/labels', 'validation/labels']],
]

const CONNECTIVITIES: Connectivity[] = [6, 26]

function sizesDigest(sizes: number[]): string {
  const sorted = BigUint64Array.from(sizes.sort((a, b) => a - b).map(BigInt))
  return createHash('sha256').update(new Uint8Array(sorted.buffer)).digest('hex')
}

describe('connected components of the real label volumes against scipy.ndimage.label', () => {
  for (const [folder, specs] of LABEL_VOLUMES) {
    test(`${folder}: same count and the same multiset of sizes, blocks of 8x256x256`, async (t) => {
      const dir = needSharedData(t, folder)
      if (!dir || !needPython(t, ['scipy', 'numpy', 'h5py', 'PIL'])) return
      const tmp = tempDir('cc-reference')
      try {
        const paths = specs.map((s) => join(dir, s))
        const referenceFile = join(tmp.dir, 'reference.json')
        runPython(readFileSync(join(REPO, 'test/fixtures/label_scipy.py'), 'utf8'), [
          referenceFile,
          CONNECTIVITIES.join(','),
          ...paths,
        ])
        const reference = JSON.parse(readFileSync(referenceFile, 'utf8')) as Record<
          string,
          Record<string, { count: number; sizes_sha256: string; largest: number }>
        >
        for (const path of paths) {
          const volume = await openVolume(path)
          try {
            for (const c of CONNECTIVITIES) {
              const r = await labelVolume(volume, { connectivity: c, block: [8, 256, 256] })
              const theirs = reference[path]![String(c)]!
              const what = `${path} at ${c}-connectivity`
              assert.equal(r.count, theirs.count, what)
              const sizes = r.components.map((comp) => comp.voxels)
              assert.equal(Math.max(0, ...sizes), theirs.largest, what)
              assert.equal(sizesDigest(sizes), theirs.sizes_sha256, what)
            }
          } finally {
            volume.close()
          }
        }
      } finally {
        tmp.cleanup()
      }
    })
  }
})
