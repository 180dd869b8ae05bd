import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Vec3 } from '../../../src-renderer/src/viewer/geometry.ts'
import {
  cameraFor,
  fitScale,
  panCentre,
  zoomAbout,
  PLANES,
  screenToVoxel,
  viewDirection,
  voxelToScreen,
  type Frame,
  type Plane,
} from '../../../src-renderer/src/viewer/planes.ts'

const frame: Frame = { centre: [16, 64, 64], scale: 2, aspect: [4, 1, 1], width: 400, height: 300 }

test('the view centre is the middle of the screen in every plane', () => {
  for (const plane of Object.keys(PLANES) as Plane[])
    assert.deepEqual(voxelToScreen(plane, frame, [16, 64, 64]), [200, 150])
})

test('xy: x goes right, y goes down; xz: z goes down; yz: z goes right', () => {
  assert.deepEqual(voxelToScreen('xy', frame, [16, 74, 69]), [210, 170])
  assert.deepEqual(voxelToScreen('xz', frame, [17, 0, 69]), [210, 158], 'one z voxel is 4 units = 8 px')
  assert.deepEqual(voxelToScreen('yz', frame, [17, 74, 0]), [208, 170])
})

test('screenToVoxel inverts voxelToScreen and takes the slice from the focus', () => {
  const focus: Vec3 = [20, 30, 40]
  for (const plane of Object.keys(PLANES) as Plane[]) {
    const p: Vec3 = [18, 70, 50]
    p[PLANES[plane].n] = focus[PLANES[plane].n]
    const [x, y] = voxelToScreen(plane, frame, p)
    const back = screenToVoxel(plane, frame, x, y, focus)
    for (let a = 0; a < 3; a++) assert.ok(Math.abs(back[a]! - p[a]!) < 1e-9, `${plane} axis ${a}`)
  }
})

test('fitScale fits the tightest view', () => {
  const sizes = {
    xy: { width: 400, height: 300 },
    xz: { width: 400, height: 300 },
    yz: { width: 400, height: 300 },
  }
  // xy: 128 x 128 in 400 x 300 -> 300/128; xz: z is 32 * 4 = 128 high -> same; yz likewise.
  assert.ok(Math.abs(fitScale([32, 128, 128], [4, 1, 1], sizes) - (0.94 * 300) / 128) < 1e-9)
})

test('cameraFor looks along the slice axis with the screen axes of the plane', () => {
  const xy = cameraFor('xy', frame, [10, 0, 0])
  assert.deepEqual(xy.focalPoint, [64, 64, 40], 'x, y from the centre; z from the focus slice (10 * 4)')
  assert.deepEqual(xy.viewUp, [0, -1, 0])
  assert.deepEqual(xy.direction, [0, 0, 1])
  assert.equal(xy.parallelScale, 75)
  const xz = cameraFor('xz', frame, [0, 5, 0])
  assert.deepEqual(xz.direction, [0, -1, 0])
  assert.equal(xz.focalPoint[1], 5)
  const yz = cameraFor('yz', frame, [0, 0, 7])
  assert.deepEqual(yz.direction, [-1, 0, 0])
  for (const [plane, cam] of [
    ['xy', xy],
    ['xz', xz],
    ['yz', yz],
  ] as const)
    assert.deepEqual(viewDirection(plane), cam.direction, `${plane}: the direction alone`)
  // Screen right (direction x up) is the plane's horizontal axis.
  for (const [cam, right] of [
    [xy, [1, 0, 0]],
    [xz, [1, 0, 0]],
    [yz, [0, 0, 1]],
  ] as const) {
    const d = cam.direction
    const u = cam.viewUp
    const r = [d[1] * u[2] - d[2] * u[1], d[2] * u[0] - d[0] * u[2], d[0] * u[1] - d[1] * u[0]]
    assert.deepEqual(
      r.map((v) => v + 0),
      right,
    )
  }
})

test('panning moves the content with the pointer; zooming keeps the anchor under it', () => {
  const p: Vec3 = [16, 70, 80]
  const before = voxelToScreen('xz', frame, p)
  const panned = { ...frame, centre: panCentre('xz', frame, 30, -12) }
  const after = voxelToScreen('xz', panned, p)
  assert.deepEqual([after[0] - before[0], after[1] - before[1]], [30, -12])
  for (const plane of Object.keys(PLANES) as Plane[]) {
    const anchor: Vec3 = [20, 50, 90]
    const at = voxelToScreen(plane, frame, anchor)
    const zoomed = zoomAbout(plane, frame, anchor, 1.7)
    const again = voxelToScreen(plane, { ...frame, ...zoomed }, anchor)
    assert.ok(Math.abs(again[0] - at[0]) < 1e-9 && Math.abs(again[1] - at[1]) < 1e-9, plane)
    assert.equal(
      zoomed.centre[PLANES[plane].n],
      frame.centre[PLANES[plane].n],
      'the slice axis is left alone',
    )
  }
})
