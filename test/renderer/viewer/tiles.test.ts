import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Vec3 } from '../../../src-renderer/src/viewer/geometry.ts'
import type { Frame } from '../../../src-renderer/src/viewer/planes.ts'
import {
  ByteLru,
  chooseLevel,
  rowColAxes,
  sliceAt,
  tileRect,
  visibleTiles,
  type LevelInfo,
} from '../../../src-renderer/src/viewer/tiles.ts'

/** A 1 x 16384 x 16384 pyramid: y and x halved per level down to 256, tiles of 256. */
const LEVELS: LevelInfo[] = Array.from({ length: 7 }, (_, i) => ({
  shape: [1, 16384 >> i, 16384 >> i] as Vec3,
  factor: [1, 1 << i, 1 << i] as Vec3,
  tile: [1, 256, 256] as Vec3,
}))

function frame(scale: number, centre: Vec3 = [0, 8192, 8192], width = 600, height = 400): Frame {
  return { centre, scale, aspect: [1, 1, 1], width, height }
}

test('the level read is the coarsest whose voxel covers at most one screen pixel', () => {
  assert.equal(chooseLevel(LEVELS, 'xy', frame(4)), 0)
  assert.equal(chooseLevel(LEVELS, 'xy', frame(1)), 0)
  assert.equal(chooseLevel(LEVELS, 'xy', frame(0.5)), 1)
  assert.equal(chooseLevel(LEVELS, 'xy', frame(0.3)), 1)
  assert.equal(chooseLevel(LEVELS, 'xy', frame(0.25)), 2)
  // The whole slice in 400 pixels: level 5 (512 voxels a side, 0.78 pixels each).
  assert.equal(chooseLevel(LEVELS, 'xy', frame(400 / 16384)), 5)
  assert.equal(chooseLevel(LEVELS, 'xy', frame(0.001)), 6)
})

test('visible tiles cover the view, nearest the middle first, inside the level', () => {
  const f = frame(400 / 16384)
  const tiles = visibleTiles(LEVELS, 5, 'xy', f, [0, 8192, 8192])
  assert.equal(tiles.length, 4)
  assert.deepEqual(
    tiles.map((t) => t.box).sort(),
    [
      [0, 0, 256, 256],
      [0, 256, 256, 512],
      [256, 0, 512, 256],
      [256, 256, 512, 512],
    ].sort(),
  )
  // Zoomed in off centre: the tile under the view's middle comes first.
  const near = visibleTiles(LEVELS, 0, 'xy', frame(2, [0, 1000, 3000]), [0, 1000, 3000])
  assert.deepEqual(near[0]!.box, [768, 2816, 1024, 3072])
  const d = near.map((t) => Math.hypot((t.box[0] + t.box[2]) / 2 - 1000, (t.box[1] + t.box[3]) / 2 - 3000))
  assert.deepEqual(
    d,
    [...d].sort((a, b) => a - b),
  )
  // The view is 300 x 200 voxels: at most 3 x 2 tiles of 256 and at least 2 x 1.
  assert.ok(near.length >= 2 && near.length <= 6, `${near.length} tiles`)
  // Past the volume's edge nothing is asked for.
  assert.deepEqual(visibleTiles(LEVELS, 0, 'xy', frame(2, [0, -5000, -5000]), [0, 0, 0]), [])
})

test('a tile lands where its voxels are, transposed in the yz view', () => {
  const f = frame(1, [0, 128, 128], 256, 256)
  const [t] = visibleTiles(LEVELS, 0, 'xy', f, [0, 128, 128]).filter((t) => t.box[0] === 0 && t.box[1] === 0)
  // Voxel 0 spans -0.5..0.5: its left edge is 127.5 + 0.5 pixels left of the middle.
  assert.deepEqual(tileRect(LEVELS[0]!, t!, 'xy', f), {
    x: -0.5,
    y: -0.5,
    width: 256,
    height: 256,
    transposed: false,
  })
  const coarse = visibleTiles(LEVELS, 2, 'xy', frame(0.25, [0, 8192, 8192], 1000, 1000), [0, 0, 0])
  const r = tileRect(LEVELS[2]!, coarse[0]!, 'xy', frame(0.25, [0, 8192, 8192], 1000, 1000))
  assert.equal(r.width, 256) // 256 level-2 voxels of 4 level-0 voxels at 0.25 pixels each
  assert.deepEqual(rowColAxes(2), [0, 1])
  const yz = visibleTiles(LEVELS, 0, 'yz', frame(1, [0, 100, 100], 64, 64), [0, 100, 100])
  assert.ok(yz.length > 0 && yz.every((t) => t.axis === 2 && t.index === 100 && t.box[2] === 1))
  assert.equal(tileRect(LEVELS[0]!, yz[0]!, 'yz', frame(1, [0, 100, 100], 64, 64)).transposed, true)
  assert.equal(sliceAt(LEVELS[3]!, 1, [0, 8191, 0]), 1023)
})

test('the tile cache drops the least recently used once over its bytes', () => {
  const lru = new ByteLru<string>(100)
  lru.set('a', 'A', 40)
  lru.set('b', 'B', 40)
  assert.equal(lru.get('a'), 'A') // a is now the most recent
  lru.set('c', 'C', 40)
  assert.equal(lru.has('b'), false)
  assert.equal(lru.has('a'), true)
  assert.equal(lru.bytes, 80)
  assert.equal(lru.peek('a'), 'A')
  lru.set('d', 'D', 40) // peek did not refresh a; c is newer
  assert.equal(lru.has('a'), false)
  assert.equal(lru.size, 2)
})
