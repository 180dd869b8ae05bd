import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  aspectOf,
  boxContains,
  clampVoxel,
  needsRecrop,
  placeCrop,
  recropMargin,
  roiAt,
  type Box6,
  type RoiLike,
  type Vec3,
} from '../../../src-renderer/src/viewer/geometry.ts'

const roi = (id: number, box: Box6, centroid: Vec3): RoiLike => ({ id, box, centroid })

test('placeCrop centres the box on the focus inside the volume', () => {
  assert.deepEqual(placeCrop([100, 500, 500], [48, 192, 192], [200, 1000, 1000]), {
    origin: [76, 404, 404],
    end: [124, 596, 596],
  })
})

test('placeCrop shifts the box inward at the volume border and keeps its size', () => {
  const low = placeCrop([2, 10, 990], [48, 192, 192], [200, 1000, 1000])
  assert.deepEqual(low, { origin: [0, 0, 808], end: [48, 192, 1000] })
  // A volume smaller than the box: the whole axis, from 0.
  assert.deepEqual(placeCrop([16, 64, 64], [48, 192, 192], [32, 128, 128]), {
    origin: [0, 0, 0],
    end: [32, 128, 128],
  })
})

test('placeCrop matches the host: origin = centre - floor(n/2), clipped', () => {
  // The engine's readCrop rule, restated for odd and even sizes.
  for (const [c, n, s] of [
    [10, 5, 100],
    [10, 6, 100],
    [0, 7, 9],
    [8, 7, 9],
  ] as const) {
    const { origin, end } = placeCrop([c, c, c], [n, n, n], [s, s, s])
    const expected = Math.max(0, Math.min(s - n, c - Math.floor(n / 2)))
    assert.equal(origin[0], expected)
    assert.equal(end[0] - origin[0], n)
  }
})

test('needsRecrop: outside the crop, or near a face the volume continues behind', () => {
  const shape: Vec3 = [200, 1000, 1000]
  const crop = placeCrop([100, 500, 500], [48, 192, 192], shape)
  const margin = recropMargin([48, 192, 192])
  assert.deepEqual(margin, [6, 24, 24])
  assert.equal(needsRecrop([100, 500, 500], crop, shape, margin), false)
  assert.equal(needsRecrop([124, 500, 500], crop, shape, margin), true, 'one past the end')
  assert.equal(needsRecrop([100, 420, 500], crop, shape, margin), true, 'within the margin of y0')
  assert.equal(needsRecrop([100, 430, 500], crop, shape, margin), false)
  // At the volume's own border there is nothing more to read: no recrop however close.
  const corner = placeCrop([0, 0, 0], [48, 192, 192], shape)
  assert.equal(needsRecrop([0, 0, 0], corner, shape, margin), false)
  assert.equal(needsRecrop([0, 0, 180], corner, shape, margin), true, 'near the inner x face')
})

test('boxContains and clampVoxel', () => {
  const crop = { origin: [0, 10, 10] as Vec3, end: [5, 20, 20] as Vec3 }
  assert.equal(boxContains(crop, [4, 19, 10]), true)
  assert.equal(boxContains(crop, [5, 19, 10]), false)
  assert.deepEqual(clampVoxel([-3, 12.6, 400], [32, 128, 128]), [0, 13, 127])
})

test('roiAt picks the box containing the voxel, the nearest centroid winning', () => {
  const rois = [
    roi(1, [0, 0, 0, 10, 10, 10], [5, 5, 5]),
    roi(2, [0, 0, 0, 10, 10, 20], [5, 5, 15]),
    roi(3, [20, 20, 20, 30, 30, 30], [25, 25, 25]),
  ]
  assert.equal(roiAt([5, 5, 4], rois)?.id, 1)
  assert.equal(roiAt([5, 5, 9], rois)?.id, 1, 'centroid 1 is 4 away, centroid 2 is 6 away')
  assert.equal(roiAt([5, 5, 11], rois)?.id, 2, 'only box 2 contains x = 11')
  assert.equal(roiAt([25, 25, 25], rois)?.id, 3)
  assert.equal(roiAt([15, 15, 15], rois), null, 'between boxes')
  assert.equal(roiAt([10, 5, 5], rois), null, 'box ends are exclusive')
})

test('roiAt measures centroid distance in physical units', () => {
  const rois = [roi(1, [0, 0, 0, 10, 10, 10], [2, 5, 5]), roi(2, [0, 0, 0, 10, 10, 10], [5, 5, 8])]
  // Isotropic: (5-2)=3 in z vs (5-8)=3 in x... make z count four times as much.
  assert.equal(roiAt([5, 5, 6], rois)?.id, 2)
  assert.equal(roiAt([3, 5, 5], rois, [4, 1, 1])?.id, 1)
  assert.equal(roiAt([4, 5, 6], rois, [4, 1, 1])?.id, 2)
})

test('aspectOf is relative to the finest axis', () => {
  assert.deepEqual(aspectOf([32, 8, 8]), [4, 1, 1])
  assert.deepEqual(aspectOf(null), [1, 1, 1])
})
