import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  boxCentre,
  boxFromDrag,
  boxRect,
  boxSize,
  boxVoxels,
  clampBox,
  formatBox,
  gripAt,
  gripCursor,
  handlesOf,
  resizeBox,
  sliceCrosses,
  type PredictBox,
} from '../../../src-renderer/src/viewer/box-draw.ts'
import type { Vec3 } from '../../../src-renderer/src/viewer/geometry.ts'
import { screenToVoxel, voxelToScreen, type Frame } from '../../../src-renderer/src/viewer/planes.ts'

const SHAPE: Vec3 = [20, 100, 200]
const BOX: PredictBox = [4, 12, 20, 60, 50, 150]

test('clampBox: whole voxels inside the volume, ends in order, one voxel at least', () => {
  assert.deepEqual(clampBox([4.4, 11.6, 20, 60, 50, 150], SHAPE), [4, 12, 20, 60, 50, 150])
  assert.deepEqual(clampBox([-3, 30, -1, 500, 260, 250], SHAPE), [0, 20, 0, 100, 199, 200])
  assert.deepEqual(clampBox([12, 4, 60, 20, 150, 50], SHAPE), BOX, 'swapped ends are put in order')
  assert.deepEqual(clampBox([7, 7, 30, 30, 0, 0], SHAPE), [7, 8, 30, 31, 0, 1])
})

test('size, voxels, centre and the one-line form of a box', () => {
  assert.deepEqual(boxSize(BOX), [8, 40, 100])
  assert.equal(boxVoxels(BOX), 32_000)
  assert.deepEqual(boxCentre(BOX), [7, 39, 99])
  assert.deepEqual(boxCentre([3, 4, 0, 1, 9, 10]), [3, 0, 9])
  assert.equal(formatBox(BOX), 'z 4–12 · y 20–60 · x 50–150')
})

test('boxFromDrag on xy: the y and x of the voxels under both points, z kept from the box', () => {
  // Dragged up and to the left: the ends still come out in order, both end voxels included.
  assert.deepEqual(boxFromDrag('xy', [9, 70.3, 120.4], [9, 30.2, 80.6], BOX, SHAPE), [4, 12, 30, 71, 81, 121])
  // Without a box, z is the whole volume.
  assert.deepEqual(boxFromDrag('xy', [9, 30, 80], [9, 70, 120], null, SHAPE), [0, 20, 30, 71, 80, 121])
  // Past the volume's edge: clamped.
  assert.deepEqual(boxFromDrag('xy', [0, -20, 150], [0, 130, 260], BOX, SHAPE), [4, 12, 0, 100, 150, 200])
})

test('boxFromDrag on xz sets z and x, on yz z and y; the other axis stays', () => {
  assert.deepEqual(boxFromDrag('xz', [2.2, 0, 40], [15.7, 0, 90], BOX, SHAPE), [2, 17, 20, 60, 40, 91])
  assert.deepEqual(boxFromDrag('yz', [15, 10, 0], [1, 33, 0], BOX, SHAPE), [1, 16, 10, 34, 50, 150])
})

test('resizeBox moves the gripped edges to the nearest voxel boundary, never past the opposite edge', () => {
  // x's end edge (at 149.5) dragged to 170.2: the boundary there is 170 | 171 at 170.5, so the box ends at 171.
  assert.deepEqual(
    resizeBox('xy', BOX, { h: 'end', v: null }, [0, 0, 170.2], SHAPE),
    [4, 12, 20, 60, 50, 171],
  )
  // The top-left corner of xy: y's and x's starts.
  assert.deepEqual(
    resizeBox('xy', BOX, { h: 'start', v: 'start' }, [0, 9.6, 59.8], SHAPE),
    [4, 12, 10, 60, 60, 150],
  )
  // z's start on xz (screen down is z), dragged below the end: stops one voxel short.
  assert.deepEqual(
    resizeBox('xz', BOX, { h: null, v: 'start' }, [18, 0, 0], SHAPE),
    [11, 12, 20, 60, 50, 150],
  )
  // Out of the volume: clamped to it.
  assert.deepEqual(
    resizeBox('yz', BOX, { h: 'end', v: 'end' }, [40, 300, 0], SHAPE),
    [4, 20, 20, 100, 50, 150],
  )
})

const frame: Frame = { centre: [8, 40, 100], scale: 2, aspect: [4, 1, 1], width: 400, height: 300 }

test('boxRect: the outline on the voxel boundaries, with the view aspect, on every plane', () => {
  // xy: x 49.5..149.5 -> 200 + (49.5 - 100) * 2 = 99 .. 299; y 19.5..59.5 -> 150 + (19.5 - 40) * 2 = 109 .. 189.
  assert.deepEqual(boxRect('xy', frame, BOX), { left: 99, top: 109, right: 299, bottom: 189 })
  // xz: z 3.5..11.5 -> 150 + (3.5 - 8) * 4 * 2 = 114 .. 178.
  assert.deepEqual(boxRect('xz', frame, BOX), { left: 99, top: 114, right: 299, bottom: 178 })
  // yz: screen right is z.
  assert.deepEqual(boxRect('yz', frame, BOX), { left: 164, top: 109, right: 228, bottom: 189 })
})

test('a drag between two screen points gives the voxels screenToVoxel finds under them, at any zoom', () => {
  for (const scale of [0.13, 0.5, 1, 3.7]) {
    const f = { ...frame, scale }
    const a = screenToVoxel('xy', f, 120, 80, [6, 0, 0])
    const b = screenToVoxel('xy', f, 260, 230, [6, 0, 0])
    const box = boxFromDrag('xy', a, b, BOX, SHAPE)
    const under = (v: number, n: number) => Math.max(0, Math.min(n - 1, Math.round(v)))
    assert.deepEqual(box.slice(2), [
      under(a[1], 100),
      under(b[1], 100) + 1,
      under(a[2], 200),
      under(b[2], 200) + 1,
    ])
    // The outline then runs half a voxel outside both voxels' centres.
    const r = boxRect('xy', f, box)
    const [ax] = voxelToScreen('xy', f, [6, box[2], box[4]])
    assert.ok(Math.abs(ax - r.left - 0.5 * scale) < 1e-9)
  }
})

test('gripAt: edges and corners within reach, nearer edge first; inside or away is no grip', () => {
  // The xy outline is 99..299 x 109..189.
  assert.deepEqual(gripAt('xy', frame, BOX, 101, 150), { h: 'start', v: null })
  assert.deepEqual(gripAt('xy', frame, BOX, 296, 150), { h: 'end', v: null })
  assert.deepEqual(gripAt('xy', frame, BOX, 200, 194), { h: null, v: 'end' })
  assert.deepEqual(gripAt('xy', frame, BOX, 303, 106), { h: 'end', v: 'start' })
  assert.equal(gripAt('xy', frame, BOX, 200, 150), null, 'inside')
  assert.equal(gripAt('xy', frame, BOX, 80, 150), null, 'left of it, out of reach')
  assert.equal(gripAt('xy', frame, BOX, 101, 40), null, 'on the line of its left edge but far above it')
  // A one-voxel box at a small zoom: both edges within reach, the end wins a tie so it can grow.
  const thin: PredictBox = [4, 12, 20, 60, 100, 101]
  assert.deepEqual(gripAt('xy', frame, thin, 201, 150), { h: 'end', v: null })
})

test('gripCursor and handlesOf: eight handles, each gripping what its place says', () => {
  assert.equal(gripCursor({ h: 'start', v: 'start' }), 'nwse-resize')
  assert.equal(gripCursor({ h: 'end', v: 'start' }), 'nesw-resize')
  assert.equal(gripCursor({ h: 'end', v: null }), 'ew-resize')
  assert.equal(gripCursor({ h: null, v: 'end' }), 'ns-resize')
  assert.equal(gripCursor(null), null)
  const handles = handlesOf({ left: 0, top: 0, right: 10, bottom: 20 })
  assert.equal(handles.length, 8)
  assert.deepEqual(handles[0], { x: 0, y: 0, grip: { h: 'start', v: 'start' } })
  assert.deepEqual(handles[1], { x: 5, y: 0, grip: { h: null, v: 'start' } })
  assert.deepEqual(handles.at(-1), { x: 10, y: 20, grip: { h: 'end', v: 'end' } })
  // Each handle's place is a grip of a box drawn there.
  const rect = boxRect('xy', frame, BOX)
  for (const h of handlesOf(rect)) assert.deepEqual(gripAt('xy', frame, BOX, h.x, h.y), h.grip)
})

test('sliceCrosses: whether the view slice through the focus passes through the box', () => {
  assert.equal(sliceCrosses('xy', BOX, [4, 0, 0]), true)
  assert.equal(sliceCrosses('xy', BOX, [12, 0, 0]), false, 'the end is exclusive')
  assert.equal(sliceCrosses('xz', BOX, [0, 59, 0]), true)
  assert.equal(sliceCrosses('yz', BOX, [0, 0, 49]), false)
})
