import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RoiInfo } from '../../../src-shared/contract.ts'
import { cameraRay, roiOnRay, type CameraView } from '../../../src-renderer/src/viewer/ray-pick.ts'

function roi(id: number, box: [number, number, number, number, number, number]): RoiInfo {
  return { id, box, centroid: [0, 0, 0], voxels: 1, meanP: 1, polarity: null }
}

/** Looking down -z at the origin from z = 100 (world x, y, z = voxel x, y, z * 4 with aspect [4, 1, 1]). */
const camera: CameraView = { position: [0, 0, 100], focalPoint: [0, 0, 0], viewUp: [0, 1, 0], viewAngle: 30 }

test('the ray through the centre pixel goes from the camera to the focal point', () => {
  const ray = cameraRay(camera, 99.5, 49.5, 200, 100)
  assert.deepEqual(ray.origin, [0, 0, 100])
  assert.ok(Math.abs(ray.direction[0]) < 1e-9 && Math.abs(ray.direction[1]) < 1e-9)
  assert.ok(Math.abs(ray.direction[2] + 1) < 1e-9)
  // The right edge at mid-height: 15 degrees up/down the vertical field, times the aspect 2 across.
  const edge = cameraRay(camera, 199.5, 49.5, 200, 100).direction
  assert.ok(Math.abs(edge[0] / -edge[2] - 2 * Math.tan(Math.PI / 12)) < 0.02)
  // Screen y runs down, world y up.
  assert.ok(cameraRay(camera, 99.5, 0, 200, 100).direction[1] > 0)
})

test('the nearest box along the ray is picked; boxes off the ray or behind the camera are not', () => {
  const aspect: [number, number, number] = [4, 1, 1]
  // Boxes are [z0, y0, x0, z1, y1, x1] in voxels; world z = voxel z * 4.
  const far = roi(1, [0, -2, -2, 2, 2, 2]) // world z from -2 to 6
  const near = roi(2, [10, -1, -1, 12, 1, 1]) // world z from 38 to 46: nearer the camera at z = 100
  const aside = roi(3, [10, 20, 20, 12, 24, 24])
  const behind = roi(4, [30, -1, -1, 32, 1, 1]) // world z from 118 to 126: behind the camera
  const ray = cameraRay(camera, 99.5, 49.5, 200, 100)
  assert.equal(roiOnRay(ray, [far, near, aside, behind], aspect), 2)
  assert.equal(roiOnRay(ray, [far, aside], aspect), 1)
  assert.equal(roiOnRay(ray, [aside, behind], aspect), null)
})
