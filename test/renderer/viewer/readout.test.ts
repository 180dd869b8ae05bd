import assert from 'node:assert/strict'
import { test } from 'node:test'
import { cropText, readoutAt } from '../../../src-renderer/src/viewer/readout.ts'
import type { CropVoxels } from '../../../src-renderer/src/viewer/voxels.ts'

const CROP: CropVoxels = {
  raw: Uint8Array.from([0, 51, 102, 255, 0, 0, 0, 0]),
  prob: Uint8Array.from([0, 255, 0, 0, 0, 0, 0, 0]),
  origin: [10, 20, 30],
  dims: [2, 2, 2],
  step: 1,
  low: 100,
  high: 200,
}
const ROI = {
  id: 7,
  box: [10, 20, 30, 11, 21, 32] as [number, number, number, number, number, number],
  centroid: [10, 20, 31] as [number, number, number],
}

test('readout: the value in the volume units, the probability and the ROI under the voxel', () => {
  assert.deepEqual(readoutAt([10, 20, 31], 'cursor', CROP, [ROI], [1, 1, 1]), {
    kind: 'cursor',
    position: 'x 31  y 20  z 10',
    value: '120',
    probability: '1.00',
    roi: 'ROI 7',
  })
  const fractional = { ...CROP, low: 0.5, high: 1.5 }
  assert.equal(readoutAt([10, 20, 31], 'focus', fractional, [], [1, 1, 1]).value, '0.7000')
  const outside = readoutAt([0, 0, 0], 'focus', CROP, [ROI], [1, 1, 1])
  assert.deepEqual([outside.value, outside.probability, outside.roi], ['–', '–', ''])
  assert.equal(readoutAt([10, 20, 31], 'focus', null, [], [1, 1, 1]).value, '–')
})

test('crop text: inclusive ranges, x y z', () => {
  assert.equal(
    cropText({ origin: [0, 10, 20], end: [48, 202, 212] }, [100, 500, 600]),
    'crop x 20–211 y 10–201 z 0–47 of 600×500×100',
  )
  assert.equal(cropText(null, [1, 1, 1]), '')
})
