import { createRng } from '../../../src-main/engine/random.ts'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import {
  binaryScores,
  cremiCleft,
  dice,
  distanceToMask,
  instanceF1,
  voc,
  type Sampling,
} from '../../../src-main/engine/eval/index.ts'
import { writeNpy } from '../../../src-main/engine/volume/npy.ts'
import type { Shape3 } from '../../../src-main/engine/volume/index.ts'
import { needPython, runPython, scopedTempDir } from '../../helpers/peers.ts'

const u8 = (...v: number[]): Uint8Array => Uint8Array.from(v)
const u32 = (...v: number[]): Uint32Array => Uint32Array.from(v)

function maskOf(shape: Shape3, voxels: Array<[number, number, number]>): Uint8Array {
  const m = new Uint8Array(shape[0] * shape[1] * shape[2])
  for (const [z, y, x] of voxels) m[(z * shape[1] + y) * shape[2] + x] = 1
  return m
}

function near(actual: number, expected: number, what = '', tolerance = 1e-12): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs ${expected}`,
  )
}

describe('dice and VOC', () => {
  test('one voxel of each kind', () => {
    const s = binaryScores(u8(1, 1, 0, 0), u8(1, 0, 1, 0))
    assert.deepEqual([s.tp, s.fp, s.fn, s.tn], [1, 1, 1, 1])
    near(s.dice, 0.5)
    near(s.jaccardForeground, 1 / 3)
    near(s.jaccardBackground, 1 / 3)
    near(s.voc, 1 / 3)
  })

  test('Lucchi VOC averages foreground and background Jaccard', () => {
    // 10 voxels: gt foreground 0..3, prediction 2..5 -> TP 2, FP 2, FN 2, TN 4.
    const gt = u8(1, 1, 1, 1, 0, 0, 0, 0, 0, 0)
    const pred = u8(0, 0, 1, 1, 255, 1, 0, 0, 0, 0)
    near(dice(pred, gt), 4 / 8)
    near(voc(pred, gt), (2 / 6 + 4 / 8) / 2)
  })

  test('empty and full masks, ignored voxels', () => {
    assert.equal(dice(u8(0, 0), u8(0, 0)), 1)
    assert.equal(voc(u8(0, 0), u8(0, 0)), 1)
    assert.equal(voc(u8(1, 1), u8(1, 1)), 1)
    assert.equal(dice(u8(1, 0), u8(0, 0)), 0)
    assert.equal(voc(u8(1, 0), u8(0, 0)), (0 + 1 / 2) / 2)
    // The FP voxel is ignored: a perfect score on what is left.
    const s = binaryScores(u8(1, 1, 0), u8(1, 0, 0), u8(0, 1, 0))
    assert.deepEqual([s.tp, s.fp, s.fn, s.tn, s.dice, s.voc], [1, 0, 0, 1, 1, 1])
  })
})

describe('instance F1', () => {
  // Two ground-truth instances of 10 voxels (ids 7 and 1e6), three predictions:
  // id 3 covers 6 of instance 7 plus 0 outside (IoU 0.6), id 9 covers 4 of instance 1e6 and 0 outside
  // (IoU 0.4), id 5 lies on the background.
  const gt = new Uint32Array(30)
  const pred = new Uint32Array(30)
  gt.fill(7, 0, 10)
  gt.fill(1_000_000, 10, 20)
  pred.fill(3, 0, 6)
  pred.fill(9, 10, 14)
  pred.fill(5, 25, 28)

  test('IoU 0.5: one match of three predictions and two instances', () => {
    const s = instanceF1(pred, gt)
    assert.deepEqual([s.tp, s.fp, s.fn, s.predInstances, s.gtInstances], [1, 2, 1, 3, 2])
    near(s.precision, 1 / 3)
    near(s.recall, 1 / 2)
    near(s.f1, 2 / 5)
    near(s.meanMatchedIoU!, 0.6)
  })

  test('IoU 0.3 matches both; IoU 0.7 none', () => {
    const s = instanceF1(pred, gt, 0.3)
    assert.deepEqual([s.tp, s.fp, s.fn], [2, 1, 0])
    near(s.f1, 4 / 5)
    near(s.meanMatchedIoU!, 0.5)
    const none = instanceF1(pred, gt, 0.7)
    assert.deepEqual([none.tp, none.fp, none.fn, none.f1, none.meanMatchedIoU], [0, 3, 2, 0, null])
  })

  test('one-to-one: a prediction covering two instances matches only its better one', () => {
    // Prediction 1 spans both instances: IoU 4/7 with the first (4 voxels), 3/7 with the second.
    const g = u32(1, 1, 1, 1, 2, 2, 2)
    const p = u32(1, 1, 1, 1, 1, 1, 1)
    const s = instanceF1(p, g, 0.4)
    assert.deepEqual([s.tp, s.fp, s.fn], [1, 0, 1])
    near(s.meanMatchedIoU!, 4 / 7)
  })

  test('greedy by IoU below 0.5', () => {
    // p1 overlaps g1 (IoU 3/5) and g2 (IoU 1/6); p2 overlaps only g2 (IoU 2/4): each gets its best.
    const g = u32(1, 1, 1, 1, 2, 2, 2, 0, 0)
    const p = u32(0, 1, 1, 1, 1, 2, 2, 2, 0)
    const s = instanceF1(p, g, 0.2)
    assert.deepEqual([s.tp, s.fp, s.fn], [2, 0, 0])
  })

  test('empty cases', () => {
    const none = new Uint32Array(4)
    const some = u32(0, 1, 1, 0)
    assert.deepEqual(
      [instanceF1(none, none).precision, instanceF1(none, none).recall, instanceF1(none, none).f1],
      [1, 1, 1],
    )
    const missed = instanceF1(none, some)
    assert.deepEqual([missed.precision, missed.recall, missed.f1, missed.fn], [1, 0, 0, 1])
    const spurious = instanceF1(some, none)
    assert.deepEqual([spurious.precision, spurious.recall, spurious.f1, spurious.fp], [0, 1, 0, 1])
  })
})

describe('distance transform', () => {
  test('anisotropic distances to one voxel, Infinity for an empty mask', () => {
    const shape: Shape3 = [3, 4, 5]
    const d = distanceToMask(maskOf(shape, [[1, 1, 2]]), shape, [40, 4, 3])
    const at = (z: number, y: number, x: number): number => d[(z * 4 + y) * 5 + x]!
    assert.equal(at(1, 1, 2), 0)
    near(at(1, 1, 4), 6)
    near(at(1, 3, 2), 8)
    near(at(0, 1, 2), 40)
    near(at(2, 3, 0), Math.sqrt(1600 + 64 + 36))
    assert.ok(distanceToMask(new Uint8Array(60), shape, [1, 1, 1]).every((v) => v === Infinity))
  })

  test('the nearest of several voxels, along every axis', () => {
    const shape: Shape3 = [5, 1, 1]
    const d = distanceToMask(
      maskOf(shape, [
        [0, 0, 0],
        [4, 0, 0],
      ]),
      shape,
      [10, 1, 1],
    )
    assert.deepEqual(Array.from(d), [0, 10, 20, 10, 0])
  })
})

describe('CREMI cleft distances', () => {
  const shape: Shape3 = [4, 1, 1]
  const sampling: Sampling = [40, 4, 4]

  test('ADGT, ADF, score and far voxels on a column of z slices', () => {
    // Ground truth at z = 0; prediction at z = 1 and z = 3 (40 and 120 nm away).
    const s = cremiCleft(
      maskOf(shape, [
        [1, 0, 0],
        [3, 0, 0],
      ]),
      maskOf(shape, [[0, 0, 0]]),
      shape,
      sampling,
      {
        farNm: 100,
      },
    )
    near(s.adgt, (40 + 120) / 2)
    near(s.adf, 40)
    near(s.cremiScore, (80 + 40) / 2)
    assert.deepEqual([s.falsePositives, s.falseNegatives, s.predVoxels, s.gtVoxels], [1, 0, 2, 1])
  })

  test('anisotropic: one voxel off diagonally', () => {
    const cube: Shape3 = [2, 2, 2]
    const s = cremiCleft(maskOf(cube, [[1, 1, 1]]), maskOf(cube, [[0, 0, 0]]), cube, [40, 4, 3])
    near(s.adgt, Math.sqrt(1600 + 16 + 9))
    near(s.adf, Math.sqrt(1600 + 16 + 9))
  })

  test('empty cases: distance to nothing is infinite, a mean over nothing is 0', () => {
    const some = maskOf(shape, [[2, 0, 0]])
    const none = new Uint8Array(4)
    const missed = cremiCleft(none, some, shape, sampling)
    assert.deepEqual(
      [missed.adgt, missed.adf, missed.cremiScore, missed.falsePositives, missed.falseNegatives],
      [0, Infinity, Infinity, 0, 1],
    )
    const spurious = cremiCleft(some, none, shape, sampling)
    assert.deepEqual([spurious.adgt, spurious.adf, spurious.falsePositives], [Infinity, 0, 1])
    const nothing = cremiCleft(none, none, shape, sampling)
    assert.deepEqual([nothing.adgt, nothing.adf, nothing.cremiScore], [0, 0, 0])
  })

  test('predictions on ignored voxels do not count', () => {
    const s = cremiCleft(u8(1, 0, 0, 1), u8(1, 0, 0, 0), shape, sampling, { ignore: u8(0, 0, 0, 1) })
    assert.deepEqual([s.adgt, s.adf, s.predVoxels], [0, 0, 1])
  })
})

describe('against scipy', () => {
  const tmp = scopedTempDir('metrics')

  test('distance_transform_edt and the CREMI formulas on random masks, anisotropic sampling', (t) => {
    if (!needPython(t, ['numpy', 'scipy'])) return
    const shape: Shape3 = [20, 40, 50]
    const n = shape[0] * shape[1] * shape[2]
    const samplings: Sampling[] = [
      [1, 1, 1],
      [40, 4, 4],
      [35, 4.2, 5.1],
    ]
    const cases: Array<{ file: string; mask: Uint8Array; other: Uint8Array; otherFile: string }> = []
    for (const [i, density] of [0.002, 0.02, 0.2, 0.6].entries()) {
      const next = createRng(100 + i).next
      const mask = new Uint8Array(n).map(() => (next() < density ? 1 : 0))
      const other = new Uint8Array(n).map(() => (next() < density ? 1 : 0))
      const file = join(tmp.dir, `mask${i}.npy`)
      const otherFile = join(tmp.dir, `other${i}.npy`)
      writeNpy(file, 'uint8', shape, mask)
      writeNpy(otherFile, 'uint8', shape, other)
      cases.push({ file, mask, other, otherFile })
    }
    // cremi_python's Clefts: distances of the prediction's voxels to the truth and back.
    const script = `
import json, sys
import numpy as np
from scipy import ndimage
samplings = json.loads(sys.argv[1])
out = []
for f, g in zip(sys.argv[2::2], sys.argv[3::2]):
    pred = np.load(f).astype(bool)
    truth = np.load(g).astype(bool)
    for s in samplings:
        edt = ndimage.distance_transform_edt(~pred, sampling=s)
        to_truth = ndimage.distance_transform_edt(~truth, sampling=s)
        out.append({
            'edt': edt.ravel().tolist(),
            'adgt': float(to_truth[pred].mean()),
            'adf': float(edt[truth].mean()),
            'fp': int((to_truth[pred] > 200).sum()),
            'fn': int((edt[truth] > 200).sum()),
        })
print(json.dumps(out))
`
    const args = [JSON.stringify(samplings), ...cases.flatMap((c) => [c.file, c.otherFile])]
    const peer = JSON.parse(runPython(script, args)) as Array<{
      edt: number[]
      adgt: number
      adf: number
      fp: number
      fn: number
    }>
    let k = 0
    for (const [i, c] of cases.entries()) {
      for (const s of samplings) {
        const theirs = peer[k++]!
        const ours = distanceToMask(c.mask, shape, s)
        let worst = 0
        for (let v = 0; v < n; v++) {
          const e = theirs.edt[v]!
          worst = Math.max(worst, Math.abs(ours[v]! - e) / Math.max(e, 1e-12))
        }
        assert.ok(worst <= 1e-6, `case ${i} sampling ${s}: relative error ${worst}`)
        const cremi = cremiCleft(c.mask, c.other, shape, s)
        const what = `case ${i} sampling ${s}`
        near(cremi.adgt, theirs.adgt, `${what} adgt`, 1e-6)
        near(cremi.adf, theirs.adf, `${what} adf`, 1e-6)
        assert.deepEqual([cremi.falsePositives, cremi.falseNegatives], [theirs.fp, theirs.fn], what)
      }
    }
  })
})
