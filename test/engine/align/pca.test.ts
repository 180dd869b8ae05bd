import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { principalAxis } from '../../../src-main/engine/align/index.ts'
import { axisDifference, drawEllipse } from './draw.ts'

const DEG = 180 / Math.PI

describe('principal axis', () => {
  test('a vertical line is angle 0, a horizontal one +90 with an exact (0, 1) direction', () => {
    const h = 9
    const w = 9
    const vertical = new Uint8Array(h * w)
    const horizontal = new Uint8Array(h * w)
    for (let k = 0; k < 7; k++) {
      vertical[(k + 1) * w + 4] = 1
      horizontal[4 * w + k + 1] = 1
    }
    const v = principalAxis(vertical, h, w)!
    assert.equal(v.angleRad, 0)
    assert.deepEqual([v.dy, v.dx, v.cy, v.cx], [1, 0, 4, 4])
    // A run of 7 pixels: variance (7^2 - 1) / 12 = 4 along it, none across.
    assert.ok(Math.abs(v.major - 4) < 1e-12)
    assert.equal(v.minor, 0)
    const hz = principalAxis(horizontal, h, w)!
    assert.equal(hz.angleRad, Math.PI / 2)
    assert.deepEqual([hz.dy, hz.dx], [0, 1])
  })

  test('ellipses at known angles give that angle and a direction with non-negative y', () => {
    const shape: [number, number, number] = [1, 61, 61]
    for (const angle of [-80, -45, -10, 0, 17, 45, 60, 89, 90, 123, 160]) {
      const mask = new Uint8Array(61 * 61)
      drawEllipse(mask, shape, 0, 30, 30, 20, 6, angle)
      const axis = principalAxis(mask, 61, 61)!
      assert.ok(axisDifference(axis.angleRad * DEG, angle) <= 1, `${angle}: got ${axis.angleRad * DEG}`)
      assert.ok(axis.angleRad > -Math.PI / 2 && axis.angleRad <= Math.PI / 2)
      assert.ok(axis.dy >= 0)
      assert.ok(Math.abs(Math.hypot(axis.dy, axis.dx) - 1) < 1e-12)
      assert.ok(axis.major > 5 * axis.minor)
    }
  })

  test('degenerate sets: one pixel and a disc have no direction (angle 0); an empty set is null', () => {
    const mask = new Uint8Array(25)
    mask[12] = 1
    const one = principalAxis(mask, 5, 5)!
    assert.deepEqual([one.count, one.cy, one.cx, one.angleRad, one.dy, one.dx], [1, 2, 2, 0, 1, 0])
    const disc = new Uint8Array(41 * 41)
    drawEllipse(disc, [1, 41, 41], 0, 20, 20, 12, 12, 0)
    const round = principalAxis(disc, 41, 41)!
    assert.equal(round.angleRad, 0)
    assert.equal(round.major, round.minor)
    assert.equal(principalAxis(new Uint8Array(25), 5, 5), null)
  })

  test('reads the plane at the offset only', () => {
    const h = 4
    const w = 4
    const mask = new Uint8Array(2 * h * w)
    mask[0] = 1
    mask[h * w + 1 * w + 3] = 1
    const axis = principalAxis(mask, h, w, h * w)!
    assert.deepEqual([axis.count, axis.cy, axis.cx], [1, 1, 3])
  })
})
