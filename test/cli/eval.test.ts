import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ZarrV3Writer, fullRegion, type Shape3 } from '../../src-main/engine/volume/index.ts'
import { cliJson, runCli } from '../helpers/cli.ts'
import { tempDir } from '../helpers/peers.ts'

const tmp = tempDir('eval')
const store = join(tmp.dir, 'eval.zarr')
const spec = (name: string): string => `${store}#${name}`

/**
 * 16 x 256 x 300 voxels (more than one 4 MB read block for the float prediction), chunks 8 x 64 x 64.
 * Ground truth: the box z 4..12, y 100..150, x 100..200 (40 000 voxels), voxel size 40 x 4 x 4 nm.
 * Prediction: 0.9 on the same box shifted to x 160..260 (overlap 40 columns: 16 000 voxels), 0.3 on the
 * slices z 0..1 (background at the default threshold 0.5).
 */
const shape: Shape3 = [16, 256, 300]
const [NZ, NY, NX] = shape

function volume(
  Ctor: Uint8ArrayConstructor | Float32ArrayConstructor,
  value: (z: number, y: number, x: number) => number,
) {
  const out = new Ctor(NZ * NY * NX)
  let i = 0
  for (let z = 0; z < NZ; z++)
    for (let y = 0; y < NY; y++) for (let x = 0; x < NX; x++) out[i++] = value(z, y, x)
  return out
}
const inBox = (z: number, y: number, x: number, x0: number): boolean =>
  z >= 4 && z < 12 && y >= 100 && y < 150 && x >= x0 && x < x0 + 100

before(async () => {
  const w = new ZarrV3Writer(store)
  await w.group('')
  const gt = await w.array('gt', {
    shape,
    chunks: [8, 64, 64],
    dtype: 'uint8',
    attributes: { resolution: [40, 4, 4] },
  })
  await gt.writeRegion(
    fullRegion(shape),
    volume(Uint8Array, (z, y, x) => (inBox(z, y, x, 100) ? 1 : 0)),
  )
  const pred = await w.array('pred', { shape, chunks: [8, 64, 64], dtype: 'float32' })
  await pred.writeRegion(
    fullRegion(shape),
    volume(Float32Array, (z, y, x) => (inBox(z, y, x, 160) ? 0.9 : z < 2 ? 0.3 : 0)),
  )
  const small = await w.array('small', { shape: [4, 4, 4], chunks: [4, 4, 4], dtype: 'uint8' })
  await small.writeRegion(fullRegion([4, 4, 4]), new Uint8Array(64))
  // CREMI's uint64 markers: 2^64-1 is background, 2^64-2 a voxel left out of scoring.
  const line: Shape3 = [1, 1, 6]
  const cremiGt = await w.array('cremi_gt', { shape: line, chunks: line, dtype: 'uint64' })
  const none = 0xffffffffffffffffn
  await cremiGt.writeRegion(fullRegion(line), BigUint64Array.from([none, 5n, 5n, none - 1n, none, none]))
  const cremiPred = await w.array('cremi_pred', { shape: line, chunks: line, dtype: 'uint8' })
  await cremiPred.writeRegion(fullRegion(line), Uint8Array.from([0, 1, 0, 1, 1, 0]))
})
after(() => tmp.cleanup())

function near(actual: unknown, expected: number, what: string): void {
  assert.equal(typeof actual, 'number', what)
  assert.ok(
    Math.abs((actual as number) - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs ${expected}`,
  )
}

const evalJson = (...args: string[]): Record<string, unknown> =>
  cliJson(['eval', '--pred', spec('pred'), '--gt', spec('gt'), ...args])

describe('activeem eval', () => {
  test('dice and voc', () => {
    const d = evalJson('--metric', 'dice')
    assert.deepEqual(
      [d.metric, d.pred, d.gt, d.shape, d.threshold, d.voxelSizeNm],
      ['dice', spec('pred'), spec('gt'), shape, 0.5, [40, 4, 4]],
    )
    assert.deepEqual([d.tp, d.fp, d.fn], [16000, 24000, 24000])
    near(d.dice, 0.4, 'dice')
    const total = NZ * NY * NX
    const v = evalJson('--metric', 'voc')
    near(v.voc, (16000 / 64000 + (total - 64000) / (total - 16000)) / 2, 'voc')
    // At threshold 0.2 the two 0.3 slices become foreground too.
    const low = evalJson('--metric', 'dice', '--threshold', '0.2')
    assert.equal(low.fp, 24000 + 2 * NY * NX)
  })

  test('cremi: ADGT, ADF and far voxels from the resolution attribute or --voxel-size', () => {
    // Unmatched prediction columns lie 1..60 voxels of 4 nm from the truth, and so do missed ones.
    const mean = (4 * (60 * 61)) / 2 / 100
    const c = evalJson('--metric', 'cremi')
    near(c.adgt, mean, 'adgt')
    near(c.adf, mean, 'adf')
    near(c.cremiScore, mean, 'cremi score')
    assert.deepEqual([c.falsePositives, c.falseNegatives, c.farNm], [10 * 400, 10 * 400, 200])
    const coarse = evalJson('--metric', 'cremi', '--voxel-size', '40,8,8')
    assert.deepEqual(coarse.voxelSizeNm, [40, 8, 8])
    near(coarse.adgt, 2 * mean, 'adgt at 8 nm')
    assert.equal(coarse.falsePositives, 35 * 400)
  })

  test('cremi with nothing predicted: null distances and a note, never Infinity', () => {
    const c = evalJson('--metric', 'cremi', '--threshold', '0.95')
    assert.deepEqual([c.adgt, c.adf, c.cremiScore, c.falseNegatives], [0, null, null, 40000])
    assert.match(String(c.note), /nothing is predicted/)
  })

  test('f1: both masks become 26-connected instances', () => {
    const f = evalJson('--metric', 'f1')
    assert.deepEqual(
      [f.tp, f.fp, f.fn, f.f1, f.predInstancesFrom, f.gtInstancesFrom],
      [0, 1, 1, 0, 'components', 'components'],
    )
    const loose = evalJson('--metric', 'f1', '--iou', '0.25')
    assert.deepEqual([loose.tp, loose.f1], [1, 1])
    near(loose.meanMatchedIoU, 0.25, 'IoU')
  })

  test("a uint64 ground truth with CREMI's background and ignore markers", () => {
    const args = ['eval', '--pred', spec('cremi_pred'), '--gt', spec('cremi_gt')]
    const d = cliJson([...args, '--metric', 'dice'])
    assert.deepEqual([d.tp, d.fp, d.fn, d.tn, d.dice, d.ignoredVoxels], [1, 1, 1, 2, 0.5, 1])
    const c = cliJson([...args, '--metric', 'cremi', '--voxel-size', '1,1,10'])
    assert.deepEqual([c.adgt, c.adf, c.predVoxels, c.gtVoxels], [(0 + 20) / 2, (0 + 10) / 2, 2, 2])
    // Instances: truth {1, 2}; prediction {1} (IoU 1/2, a match) and {3, 4}, whose voxel 3 is ignored.
    const f = cliJson([...args, '--metric', 'f1'])
    assert.deepEqual([f.tp, f.fp, f.fn, f.gtInstancesFrom], [1, 1, 0, 'components'])
  })

  test('the human-readable form', () => {
    const r = runCli(['eval', '--pred', spec('pred'), '--gt', spec('gt'), '--metric', 'dice'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^dice: /)
    assert.match(r.stdout, /\n {2}dice 0\.4\n/)
  })

  test('bad input exits 2 with one error line', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--metric', 'iou'], /--metric: expected one of cremi, voc, dice, f1/],
      [['--metric', 'dice', '--gt', spec('small')], /shape 16 x 256 x 300 .* shape 4 x 4 x 4/],
      [['--metric', 'dice', '--gt', join(tmp.dir, 'missing.zarr')], /missing\.zarr: no such file/],
      [['--metric', 'dice', '--threshold', 'half'], /--threshold: expected a number/],
      [['--metric', 'cremi', '--voxel-size', '40,4'], /--voxel-size: expected 3/],
      [['--metric', 'f1', '--iou', '0'], /--iou/],
    ]
    for (const [args, message] of cases) {
      const r = runCli(['eval', '--pred', spec('pred'), '--gt', spec('gt'), ...args, '--json'])
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stdout, '')
      const lines = r.stderr.trimEnd().split('\n')
      assert.equal(lines.length, 1, r.stderr)
      assert.match(lines[0]!, /^error: /)
      assert.match(lines[0]!, message)
    }
    const noVoxelSize = runCli(['eval', '--pred', spec('pred'), '--gt', spec('pred'), '--metric', 'cremi'])
    assert.equal(noVoxelSize.code, 2)
    assert.match(noVoxelSize.stderr, /^error: cremi needs the voxel size/)
    const noGt = runCli(['eval', '--pred', spec('pred'), '--metric', 'dice'])
    assert.equal(noGt.code, 2)
    assert.match(noGt.stderr, /^error: eval: --gt is required/)
  })
})
