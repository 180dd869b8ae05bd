import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  cropRadius,
  sampleRotated,
  sampleRotatedNearest,
  type SampleFrame,
} from '../../../src-main/engine/align/index.ts'
import { createRng } from '../../../src-main/engine/random.ts'

const RAD = Math.PI / 180

function frameAt(cy: number, cx: number, angleDeg: number, size: number, scale = 1): SampleFrame {
  return { cy, cx, dy: Math.cos(angleDeg * RAD), dx: Math.sin(angleDeg * RAD), scale, size }
}

describe('bilinear image patches', () => {
  test('no rotation at scale 1 around an integer centre returns the crop pixels exactly', () => {
    const rng = createRng(7)
    const h = 40
    const w = 50
    const image = new Float64Array(h * w).map(() => Math.round(rng.range(-1000, 1000)))
    const size = 16
    const out = sampleRotated(image, h, w, { cy: 20, cx: 21, dy: 1, dx: 0, scale: 1, size })
    for (let r = 0; r < size; r++)
      for (let c = 0; c < size; c++) assert.equal(out[r * size + c], image[(20 + r - 8) * w + 21 + c - 8])
  })

  test('a linear ramp is reproduced at non-integer and rotated positions', () => {
    const h = 60
    const w = 60
    const ramp = (y: number, x: number): number => 3 * y - 2 * x + 5
    const image = new Float32Array(h * w)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) image[y * w + x] = ramp(y, x)
    const centre = sampleRotated(image, h, w, frameAt(10.25, 7.6, 0, 1))
    assert.ok(Math.abs(centre[0]! - ramp(10.25, 7.6)) < 1e-4)
    const size = 12
    for (const angle of [0, 30, 123, -71]) {
      const frame = frameAt(30.3, 29.45, angle, size, 1.3)
      const out = sampleRotated(image, h, w, frame)
      const m = size / 2
      for (let r = 0; r < size; r++) {
        for (let c = 0; c < size; c++) {
          const u = (r - m) / frame.scale
          const v = (c - m) / frame.scale
          const y = frame.cy + u * frame.dy - v * frame.dx
          const x = frame.cx + u * frame.dx + v * frame.dy
          assert.ok(Math.abs(out[r * size + c]! - ramp(y, x)) < 1e-3, `${angle} (${r}, ${c})`)
        }
      }
    }
  })

  test('positions outside the crop take the nearest edge value', () => {
    const image = Float32Array.from([1, 2, 3, 4])
    const out = sampleRotated(image, 2, 2, { cy: 0, cx: 0, dy: 1, dx: 0, scale: 1, size: 4 })
    // Rows -2..1 and columns -2..1 around (0, 0): clamped to the 2x2 crop.
    assert.deepEqual(Array.from(out), [1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 3, 3, 3, 4])
  })
})

describe('nearest mask patches', () => {
  test('only values of the input appear, each from the rounded position; outside is 0', () => {
    const rng = createRng(11)
    const h = 30
    const w = 30
    const labels = new Int8Array(h * w).map(() => [0, 5, -1][rng.int(0, 3)]!)
    const out = sampleRotatedNearest(labels, h, w, frameAt(15.2, 14.7, 37, 40, 1.7))
    assert.ok(out.every((v) => v === 0 || v === 5 || v === -1))
    assert.ok(out.some((v) => v === 5) && out.some((v) => v === -1))
    // Distinct labels per pixel, so the pixel read is identifiable.
    const ids = new Int8Array(11 * 11).map((_, i) => i - 60)
    for (const [y, x, id] of [
      [4.4, 4.6, 4 * 11 + 5],
      [6.51, 2.49, 7 * 11 + 2],
      [0.2, 9.7, 10],
    ] as const)
      assert.equal(sampleRotatedNearest(ids, 11, 11, frameAt(y, x, 0, 1))[0], id - 60, `(${y}, ${x})`)
    const outside = sampleRotatedNearest(labels, h, w, frameAt(-5, 40, 0, 3))
    assert.deepEqual(Array.from(outside), [0, 0, 0, 0, 0, 0, 0, 0, 0])
  })
})

describe('crop radius', () => {
  test('the rotated patch reads only pixels within cropRadius of the centre, at any angle and scale', () => {
    for (const size of [8, 64, 65]) {
      for (const scale of [0.5, 1, 2.3]) {
        const radius = cropRadius(size, scale)
        const big = radius + 6
        const side = 2 * big + 2
        const cy = big + 0.37
        const cx = big + 0.81
        // 1 inside the square the caller must provide, a loud value beyond it.
        const image = new Float32Array(side * side)
        for (let y = 0; y < side; y++)
          for (let x = 0; x < side; x++)
            image[y * side + x] = Math.abs(y - cy) <= radius && Math.abs(x - cx) <= radius ? 1 : 1000
        for (let angle = 0; angle < 360; angle += 5) {
          const out = sampleRotated(image, side, side, frameAt(cy, cx, angle, size, scale))
          const worst = out.reduce((a, v) => Math.max(a, Math.abs(v - 1)), 0)
          assert.ok(worst < 1e-4, `size ${size}, scale ${scale}, angle ${angle}: off by ${worst}`)
        }
      }
    }
  })

  test('follows ceil(size / 2 * sqrt(2) / scale) + 1', () => {
    assert.equal(cropRadius(64), 47)
    assert.equal(cropRadius(64, 2), 24)
    assert.equal(cropRadius(64, 0.5), 92)
  })
})
