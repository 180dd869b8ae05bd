import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  fromBase64,
  paintDisc,
  paintLine,
  toBase64,
  type MaskGrid,
} from '../../../src-renderer/src/viewer/brush.ts'

function grid(nz: number, ny: number, nx: number): MaskGrid {
  return { dims: [nz, ny, nx], data: new Uint8Array(nz * ny * nx) }
}

function ones(g: MaskGrid): Array<[number, number, number]> {
  const [, ny, nx] = g.dims
  const out: Array<[number, number, number]> = []
  g.data.forEach((v, i) => {
    if (v) out.push([Math.floor(i / (ny * nx)), Math.floor(i / nx) % ny, i % nx])
  })
  return out
}

test('a disc paints the voxels within its radius in one slice, and only inside the box', () => {
  const g = grid(3, 10, 10)
  assert.equal(paintDisc(g, 1, 5, 5, 1, 1), 5, 'radius 1: the voxel and its 4 neighbours')
  assert.deepEqual(ones(g), [
    [1, 4, 5],
    [1, 5, 4],
    [1, 5, 5],
    [1, 5, 6],
    [1, 6, 5],
  ])
  assert.equal(paintDisc(g, 1, 5, 5, 1, 1), 0, 'painting again changes nothing')
  // At a corner, clipped to the box; off the box in z, nothing.
  const c = grid(1, 4, 4)
  assert.equal(paintDisc(c, 0, 0, 0, 2, 1), 6)
  assert.ok(ones(c).every(([, y, x]) => y >= 0 && x >= 0 && y * y + x * x <= 4))
  assert.equal(paintDisc(c, 1, 0, 0, 2, 1), 0)
  assert.equal(paintDisc(c, 0, -10, -10, 2, 1), 0, 'a disc wholly outside the box paints nothing')
  // Radius 0: the nearest voxel alone.
  const near = grid(1, 3, 3)
  assert.equal(paintDisc(near, 0, 1.2, 0.6, 0, 1), 1, 'off a voxel centre at radius 0: the nearest voxel')
  assert.deepEqual(ones(near), [[0, 1, 1]])
  assert.equal(paintDisc(grid(1, 3, 3), 0, 1, 1, 0, 1), 1)
})

test('a line of discs leaves no gap however far apart its ends are; the eraser clears', () => {
  const g = grid(1, 5, 40)
  paintLine(g, 0, [2, 0], [2, 39], 0, 1)
  assert.equal(ones(g).length, 40, 'every voxel of the row at radius 0')
  assert.equal(
    paintLine(g, 0, [2, 10], [2, 19], 1, 0),
    12,
    'the eraser clears the row to a radius past its ends',
  )
  assert.equal(ones(g).length, 28)
})

test('masks travel as base64 of their bytes, larger than one chunk too', () => {
  const bytes = Uint8Array.from({ length: 70_001 }, (_, i) => (i * 7) % 2)
  assert.deepEqual(fromBase64(toBase64(bytes)), bytes)
  assert.equal(toBase64(Uint8Array.of(1, 0, 1)), Buffer.from([1, 0, 1]).toString('base64'))
})
