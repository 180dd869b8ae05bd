import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  MITO_PALETTE,
  outlineOf,
  renderThumb,
  SYNAPSE_PALETTE,
} from '../../../src-renderer/src/grid/outline.ts'

/** 6x6 mask: a 4x4 square of 1 at (1..4, 1..4) whose right half is -1 (pre left, post right). */
function synapseMask(): Int8Array {
  const m = new Int8Array(36)
  for (let y = 1; y <= 4; y++) for (let x = 1; x <= 4; x++) m[y * 6 + x] = x <= 2 ? 1 : -1
  return m
}

test('outline: region pixels with a 4-neighbour of another value, interiors stay unmarked', () => {
  const mask = new Int8Array(25)
  for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) mask[y * 5 + x] = 1
  const edge = outlineOf(mask, 5)
  const rows = Array.from({ length: 5 }, (_, y) => [...edge.subarray(y * 5, y * 5 + 5)].join(''))
  assert.deepEqual(rows, ['00000', '01110', '01010', '01110', '00000'])
})

test('outline: the patch border does not close a region cut by the crop; pre and post meet in two edges', () => {
  const full = new Int8Array(16).fill(1)
  assert.equal(
    outlineOf(full, 4).reduce((a, b) => a + b, 0),
    0,
  )
  const edge = outlineOf(synapseMask(), 6)
  // Row 2 (inside): x=1 outer edge, x=2 | x=3 the pre/post boundary, x=4 outer edge.
  assert.deepEqual([...edge.subarray(12, 18)], [0, 1, 1, 1, 1, 0])
})

test('thumbnail: grey outside, outline in the side colours, a faint tint inside', () => {
  const image = new Uint8Array(36).fill(100)
  const rgba = renderThumb(image, synapseMask(), 6, SYNAPSE_PALETTE)
  const px = (x: number, y: number) => [...rgba.subarray((y * 6 + x) * 4, (y * 6 + x) * 4 + 4)]
  assert.deepEqual(px(0, 0), [100, 100, 100, 255])
  assert.deepEqual(px(1, 2), [...SYNAPSE_PALETTE.positive, 255])
  assert.deepEqual(px(4, 2), [...SYNAPSE_PALETTE.negative, 255])
  assert.notDeepEqual(SYNAPSE_PALETTE.positive, SYNAPSE_PALETTE.negative)
  // A 4x4 square has no interior pixel away from an edge; a 5x5 one does.
  const big = new Int8Array(49)
  for (let y = 1; y <= 5; y++) for (let x = 1; x <= 5; x++) big[y * 7 + x] = 1
  const mito = renderThumb(new Uint8Array(49).fill(100), big, 7, MITO_PALETTE)
  const centre = [...mito.subarray(24 * 4, 24 * 4 + 3)]
  const tint = MITO_PALETTE.tint
  assert.deepEqual(
    centre,
    MITO_PALETTE.positive.map((c) => Math.round(100 + (c - 100) * tint)),
  )
  assert.throws(
    () => renderThumb(new Uint8Array(35), synapseMask(), 6, SYNAPSE_PALETTE),
    /expected 36 pixels/,
  )
})
