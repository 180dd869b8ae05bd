import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  alignRoi,
  contactZone,
  principalAxis,
  sliceLabels,
  type AlignVariant,
} from '../../../src-main/engine/align/index.ts'
import { axisDifference, drawEllipse, drawSynapse, extents, sideColumns } from './draw.ts'

const DEG = 180 / Math.PI
const ANGLES = [0, 17, 30, 45, 60, 90, 123, 160]

/** Angle of the output patch's principal axis away from vertical, in degrees. */
function tiltOf(patch: Int8Array, size: number): number {
  const axis = principalAxis(patch, size, size)
  assert.ok(axis, 'the output mask patch is empty')
  return Math.abs(axis.angleRad * DEG)
}

describe('ellipses come out vertical', () => {
  for (const variant of ['paper', 'code'] as AlignVariant[]) {
    test(`${variant}: semi-axes 20 and 6 at known angles`, () => {
      const shape: [number, number, number] = [3, 101, 97]
      for (const angle of ANGLES) {
        const mask = new Uint8Array(shape[0] * shape[1] * shape[2])
        drawEllipse(mask, shape, 0, 50, 48, 12, 4, angle)
        drawEllipse(mask, shape, 1, 50.4, 47.7, 20, 6, angle)
        drawEllipse(mask, shape, 2, 50, 48, 15, 5, angle)
        const out = alignRoi({ image: new Float32Array(mask.length), mask, shape }, { variant })
        assert.equal(out.slice, 1)
        const tilt = tiltOf(out.mask, 64)
        assert.ok(tilt <= 2, `${angle}: output axis ${tilt} degrees from vertical`)
        const { rows, cols } = extents(out.mask, 64)
        assert.ok(rows > cols, `${angle}: ${rows} rows, ${cols} columns`)
        assert.ok(axisDifference(out.angleDeg, angle) <= 2, `${angle}: angleDeg ${out.angleDeg}`)
        assert.equal(out.flipped, false)
        assert.equal(out.orientedBy, 'mask')
        assert.ok(out.mask.every((v) => v === 0 || v === 1))
      }
    })
  }

  test('without polarity the sign is deterministic: angleDeg in (-90, 90]', () => {
    const shape: [number, number, number] = [1, 81, 81]
    for (const angle of [...ANGLES, 200, 300]) {
      const mask = new Uint8Array(81 * 81)
      drawEllipse(mask, shape, 0, 40, 40, 20, 6, angle)
      const { angleDeg } = alignRoi({ image: new Float32Array(mask.length), mask, shape })
      assert.ok(angleDeg > -90 && angleDeg <= 90, `${angle}: ${angleDeg}`)
    }
  })

  test('at scale 2 the ellipse is twice as long in the patch', () => {
    const shape: [number, number, number] = [1, 81, 81]
    const mask = new Uint8Array(81 * 81)
    drawEllipse(mask, shape, 0, 40, 40, 10, 3, 30)
    const image = new Float32Array(mask.length)
    const one = principalAxis(alignRoi({ image, mask, shape }).mask, 64, 64)!
    const two = principalAxis(alignRoi({ image, mask, shape }, { scale: 2 }).mask, 64, 64)!
    // Lengths double, so variances along the axis quadruple.
    assert.ok(Math.abs(two.major / one.major - 4) < 0.2, `${one.major} -> ${two.major}`)
  })
})

describe('slice choice', () => {
  /** Discs of the given radii on consecutive slices (0 = empty); the image holds 1000 * z. */
  function stack(radii: number[]): {
    image: Float32Array
    mask: Uint8Array
    shape: [number, number, number]
  } {
    const shape: [number, number, number] = [radii.length, 41, 41]
    const mask = new Uint8Array(radii.length * 41 * 41)
    radii.forEach((r, z) => {
      if (r > 0) drawEllipse(mask, shape, z, 20, 20, r, r, 0)
    })
    const image = new Float32Array(mask.length).map((_, i) => 1000 * Math.floor(i / (41 * 41)))
    return { image, mask, shape }
  }

  test('paper: the largest mask area; code: the non-empty slice nearest the box centre', () => {
    const crop = stack([0, 3, 9, 5, 4, 2, 0])
    const paper = alignRoi(crop)
    assert.equal(paper.slice, 2)
    assert.equal(paper.image[32 * 64 + 32], 2000)
    const code = alignRoi(crop, { variant: 'code' })
    assert.equal(code.slice, 3)
    assert.equal(code.image[32 * 64 + 32], 3000)
  })

  test('code: ties go to the lower z, and an empty centre slice is skipped', () => {
    assert.equal(alignRoi(stack([0, 2, 3, 0, 0, 4, 2]), { variant: 'code' }).slice, 2)
    assert.equal(alignRoi(stack([3, 2, 0, 0, 0, 4]), { variant: 'code' }).slice, 1)
    assert.equal(alignRoi(stack([3, 2, 0, 0, 0, 4]), { variant: 'paper' }).slice, 5)
  })
})

describe('synapses: cleft vertical, pre-synaptic side left', () => {
  const cases = [0, 17, 30, 45, 60, 90, 123, 160, 200, 250, 300, 341].flatMap((angle) =>
    [true, false].map((preOnPlus) => ({ angle, preOnPlus })),
  )

  for (const variant of ['paper', 'code'] as AlignVariant[]) {
    test(`${variant}: long slabs at ${cases.length / 2} angles, pre on either side`, () => {
      for (const { angle, preOnPlus } of cases) {
        const crop = drawSynapse([2, 91, 91], 45.3, 44.8, angle, 36, 6, preOnPlus)
        const out = alignRoi(crop, { variant })
        const label = `${angle}, pre on ${preOnPlus ? '+' : '-'}`
        const { pre, post } = sideColumns(out.mask, 64)
        assert.ok(pre < post - 4, `${label}: pre column ${pre}, post column ${post}`)
        assert.ok(tiltOf(out.mask, 64) <= 3, `${label}: union tilted ${tiltOf(out.mask, 64)}`)
        const preOnly = out.mask.map((v) => (v > 0 ? 1 : 0))
        assert.ok(tiltOf(preOnly, 64) <= 3, `${label}: pre slab tilted ${tiltOf(preOnly, 64)}`)
        assert.equal(out.orientedBy, variant === 'code' ? 'contact' : 'mask')
        assert.ok(out.angleDeg > -180 && out.angleDeg <= 180)
        // Every union pixel is labelled: the cleft takes the nearest side's sign.
        assert.ok(out.mask.every((v) => v === 0 || v === 1 || v === -1))
      }
    })
  }

  test('code: a blob-shaped synapse is still oriented by its cleft, the paper by its long axis', () => {
    for (const angle of [0, 30, 75, 140, 222, 310]) {
      // 16 along the cleft, 2 * 14 + 3 across it: the whole mask is elongated across the cleft.
      const crop = drawSynapse([1, 91, 91], 45, 45, angle, 16, 14, angle % 2 === 0)
      const code = alignRoi(crop, { variant: 'code' })
      assert.equal(code.orientedBy, 'contact')
      assert.ok(axisDifference(code.angleDeg, angle) <= 3, `${angle}: code angle ${code.angleDeg}`)
      const { pre, post } = sideColumns(code.mask, 64)
      assert.ok(pre < post - 4, `${angle}: pre column ${pre}, post column ${post}`)
      const paper = alignRoi(crop, { variant: 'paper' })
      assert.ok(axisDifference(paper.angleDeg, angle + 90) <= 3, `${angle}: paper angle ${paper.angleDeg}`)
    }
  })

  test('the pre-left turn is a rotation by 180 degrees, not a mirror', () => {
    // Pre on the right of a vertical cleft, with a marker pixel at the pre slab's top end.
    const crop = drawSynapse([1, 61, 61], 30, 30, 0, 30, 5, true)
    crop.image[15 * 61 + 34] = 7
    const out = alignRoi(crop, { size: 48 })
    assert.equal(out.flipped, true)
    assert.equal(out.angleDeg, 180)
    // A 180-degree turn sends (centre + (-15, +4)) to (centre + (15, -4)): bottom left.
    assert.ok(Math.abs(out.image[(24 + 15) * 48 + 24 - 4]! - 7) < 1e-6)
    assert.equal(out.image[(24 - 15) * 48 + 24 - 4], 0)
  })

  test('contact zone of two adjacent slabs is a band along the cleft; too short a band falls back', () => {
    const crop = drawSynapse([1, 61, 61], 30.3, 29.8, 90, 30, 5, true)
    const { zone, count } = contactZone(crop.polarity!, 61, 61)
    assert.ok(count >= 20)
    const axis = principalAxis(zone, 61, 61)!
    assert.ok(axisDifference(axis.angleRad * DEG, 90) <= 1)
    const tiny = drawSynapse([1, 61, 61], 30, 30, 90, 2, 5, true)
    assert.ok(contactZone(tiny.polarity!, 61, 61).count < 20)
    assert.equal(alignRoi(tiny, { variant: 'code' }).orientedBy, 'mask')
  })

  test('mask pixels without polarity take the nearest side; without any polarity they are 1', () => {
    const mask = Uint8Array.from([1, 1, 1, 1, 1, 0])
    const polarity = Int8Array.from([1, 0, 0, 0, -1, -1])
    const labels = sliceLabels(mask, polarity, 1, 6)
    // Index 2 is as far from either side; it only has to be one of them.
    assert.deepEqual([labels[0], labels[1], labels[3], labels[4], labels[5]], [1, 1, -1, -1, 0])
    assert.ok(labels[2] === 1 || labels[2] === -1)
    assert.deepEqual(Array.from(sliceLabels(mask, new Int8Array(6), 1, 6)), [1, 1, 1, 1, 1, 0])
    assert.deepEqual(Array.from(sliceLabels(mask, undefined, 1, 6)), [1, 1, 1, 1, 1, 0])
  })
})

describe('degenerate input', () => {
  test('an empty mask is refused with an error that says so', () => {
    const shape: [number, number, number] = [2, 8, 8]
    const crop = { image: new Float32Array(128), mask: new Uint8Array(128), shape }
    assert.throws(() => alignRoi(crop), /mask is empty/)
    assert.throws(() => alignRoi(crop, { variant: 'code' }), /mask is empty/)
  })

  test('mismatched sizes and bad options are refused', () => {
    const shape: [number, number, number] = [1, 8, 8]
    const mask = new Uint8Array(64)
    mask[9] = 1
    assert.throws(() => alignRoi({ image: new Float32Array(63), mask, shape }), /image has 63 voxels/)
    assert.throws(() => alignRoi({ image: new Float32Array(64), mask, shape }, { size: 0 }), /size/)
    assert.throws(() => alignRoi({ image: new Float32Array(64), mask, shape }, { scale: -1 }), /scale/)
  })

  test('a single-pixel mask: angle 0, centred, and the image patch is the crop itself', () => {
    const shape: [number, number, number] = [1, 80, 80]
    const mask = new Uint8Array(80 * 80)
    mask[40 * 80 + 41] = 1
    const image = new Uint16Array(80 * 80).map((_, i) => (i * 7919) % 65521)
    const out = alignRoi({ image, mask, shape })
    assert.deepEqual([out.slice, out.centre, out.angleDeg, out.flipped], [0, [40, 41], 0, false])
    assert.deepEqual(
      Array.from(out.mask.keys()).filter((i) => out.mask[i] !== 0),
      [32 * 64 + 32],
    )
    for (let r = 0; r < 64; r++)
      for (let c = 0; c < 64; c++)
        assert.equal(out.image[r * 64 + c], image[(40 + r - 32) * 80 + 41 + c - 32])
  })
})

describe('thumbnail', () => {
  test('is not rotated and fits the mask box with a margin', () => {
    const shape: [number, number, number] = [1, 121, 121]
    const mask = new Uint8Array(121 * 121)
    drawEllipse(mask, shape, 0, 60, 60, 40, 8, 30)
    const out = alignRoi({ image: new Float32Array(mask.length), mask, shape })
    const { rows, cols } = extents(out.thumbMask, 64)
    // The box of the ellipse (about 70 x 48 crop pixels) shrunk to fit; not touching the border.
    assert.ok(rows < 60 && rows > 40, `${rows} rows`)
    assert.ok(cols < rows, `${cols} columns`)
    const axis = principalAxis(out.thumbMask, 64, 64)!
    assert.ok(axisDifference(axis.angleRad * DEG, 30) <= 2, `thumbnail axis ${axis.angleRad * DEG}`)
    assert.equal(out.thumbMask[0], 0)
  })
})
