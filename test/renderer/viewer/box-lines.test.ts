import assert from 'node:assert/strict'
import { test } from 'node:test'
import { boxWireframes, planeRectangle } from '../../../src-renderer/src/viewer/box-lines.ts'

test('a box wireframe has 8 corners on voxel faces and 12 edges of axis-parallel segments', () => {
  const { points, cells } = boxWireframes([{ start: [0, 10, 20], end: [2, 12, 25] }], [4, 1, 1])
  assert.equal(points.length, 24)
  assert.equal(cells.length, 36)
  const corner = (i: number) => [...points.slice(i * 3, i * 3 + 3)]
  // Corner 0: x = 19.5, y = 9.5, z = -0.5 * 4; corner 7: x = 24.5, y = 11.5, z = 1.5 * 4.
  assert.deepEqual(corner(0), [19.5, 9.5, -2])
  assert.deepEqual(corner(7), [24.5, 11.5, 6])
  for (let e = 0; e < 12; e++) {
    assert.equal(cells[e * 3], 2)
    const a = corner(cells[e * 3 + 1]!)
    const b = corner(cells[e * 3 + 2]!)
    assert.equal(a.filter((v, i) => v !== b[i]).length, 1, `edge ${e} runs along one axis`)
  }
})

test('planeRectangle flattens a box onto the slice through a voxel', () => {
  const r = planeRectangle([0, 0, 0], [32, 128, 128], 0, 7)
  assert.deepEqual(r, { start: [7.5, 0, 0], end: [7.5, 128, 128] })
  const { points } = boxWireframes([r], [1, 1, 1])
  for (let i = 0; i < 8; i++) assert.equal(points[i * 3 + 2], 7, 'every corner at z = 7')
})
