import { createRng } from '../../../src-main/engine/random.ts'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import {
  componentSizes,
  labelComponents,
  type Connectivity,
} from '../../../src-main/engine/components/index.ts'
import { writeNpy } from '../../../src-main/engine/volume/npy.ts'
import type { Shape3 } from '../../../src-main/engine/volume/index.ts'
import { needPython, runPython, scopedTempDir } from '../../helpers/peers.ts'

function maskOf(shape: Shape3, voxels: Array<[number, number, number]>): Uint8Array {
  const m = new Uint8Array(shape[0] * shape[1] * shape[2])
  for (const [z, y, x] of voxels) m[(z * shape[1] + y) * shape[2] + x] = 1
  return m
}

describe('connected components by hand', () => {
  test('face, edge and corner neighbors join at 6, 18 and 26 connectivity', () => {
    const shape: Shape3 = [2, 2, 2]
    const cases: Array<[string, Array<[number, number, number]>, Record<Connectivity, number>]> = [
      [
        'face',
        [
          [0, 0, 0],
          [0, 0, 1],
        ],
        { 6: 1, 18: 1, 26: 1 },
      ],
      [
        'edge in a plane',
        [
          [0, 0, 0],
          [0, 1, 1],
        ],
        { 6: 2, 18: 1, 26: 1 },
      ],
      [
        'edge across planes',
        [
          [0, 0, 1],
          [1, 1, 1],
        ],
        { 6: 2, 18: 1, 26: 1 },
      ],
      [
        'corner',
        [
          [0, 0, 0],
          [1, 1, 1],
        ],
        { 6: 2, 18: 2, 26: 1 },
      ],
      [
        'anti-diagonal corner',
        [
          [0, 1, 0],
          [1, 0, 1],
        ],
        { 6: 2, 18: 2, 26: 1 },
      ],
      [
        'edge, x back',
        [
          [0, 0, 1],
          [1, 0, 0],
        ],
        { 6: 2, 18: 1, 26: 1 },
      ],
    ]
    for (const [name, voxels, expected] of cases) {
      for (const c of [6, 18, 26] as const) {
        assert.equal(labelComponents(maskOf(shape, voxels), shape, c).count, expected[c], `${name} at ${c}`)
      }
    }
  })

  test('labels are numbered in raster order of each component’s first voxel', () => {
    // A U shape whose arms meet only at the bottom row: the right arm's first voxel comes before the
    // bottom, so a naive scan sees two components and must merge them; the dot comes first.
    const rows = ['..#.....', '#...#.#.', '#...#.#.', '#.....#.', '#######.']
    const shape: Shape3 = [1, rows.length, 8]
    const mask = new Uint8Array(
      rows
        .join('')
        .split('')
        .map((c) => (c === '#' ? 1 : 0)),
    )
    const { labels, count } = labelComponents(mask, shape, 6)
    assert.equal(count, 3)
    const at = (y: number, x: number): number => labels[y * 8 + x]!
    assert.deepEqual([at(0, 2), at(1, 0), at(1, 4), at(4, 3), at(3, 6)], [1, 2, 3, 2, 2])
    assert.deepEqual(Array.from(componentSizes(labels, count)), [40 - 16, 1, 13, 2])
  })

  test('empty, full, any non-zero byte is foreground, and `out` is reused', () => {
    const shape: Shape3 = [3, 4, 5]
    assert.equal(labelComponents(new Uint8Array(60), shape).count, 0)
    const full = labelComponents(new Uint8Array(60).fill(7), shape, 6)
    assert.equal(full.count, 1)
    assert.ok(full.labels.every((l) => l === 1))
    const out = new Uint32Array(60).fill(99)
    const r = labelComponents(maskOf(shape, [[2, 3, 4]]), shape, 26, out)
    assert.equal(r.labels, out)
    assert.equal(
      out.reduce((a, b) => a + b, 0),
      1,
    )
    assert.throws(() => labelComponents(new Uint8Array(59), shape))
  })
})

describe('connected components against scipy.ndimage.label', () => {
  const tmp = scopedTempDir('components')

  test('identical label arrays on random masks, 6/18/26 connectivity, densities 5% to 60%', (t) => {
    if (!needPython(t, ['numpy', 'scipy'])) return
    const cases: Array<{ shape: Shape3; density: number; file: string; mask: Uint8Array }> = []
    const shapes: Shape3[] = [
      [20, 40, 50],
      [1, 7, 300],
      [33, 1, 9],
    ]
    let seed = 1
    for (const shape of shapes) {
      for (const density of [0.05, 0.2, 0.3, 0.45, 0.6]) {
        const next = createRng(seed++).next
        const mask = new Uint8Array(shape[0] * shape[1] * shape[2]).map(() => (next() < density ? 1 : 0))
        const file = join(tmp.dir, `mask${cases.length}.npy`)
        writeNpy(file, 'uint8', shape, mask)
        cases.push({ shape, density, file, mask })
      }
    }
    const script = `
import json, sys
import numpy as np
from scipy import ndimage
out = []
for f in sys.argv[1:]:
    m = np.load(f)
    res = {}
    for c, rank in ((6, 1), (18, 2), (26, 3)):
        labels, n = ndimage.label(m, structure=ndimage.generate_binary_structure(3, rank))
        res[c] = {'count': int(n), 'labels': labels.ravel().tolist()}
    out.append(res)
print(json.dumps(out))
`
    const peer = JSON.parse(
      runPython(
        script,
        cases.map((c) => c.file),
      ),
    ) as Array<Record<string, { count: number; labels: number[] }>>
    let components = 0
    for (const [i, c] of cases.entries()) {
      for (const conn of [6, 18, 26] as const) {
        const ours = labelComponents(c.mask, c.shape, conn)
        const theirs = peer[i]![conn]!
        const what = `${c.shape.join('x')} at density ${c.density}, ${conn}-connectivity`
        assert.equal(ours.count, theirs.count, what)
        const sizes = (labels: ArrayLike<number>, n: number): number[] =>
          Array.from(componentSizes(Uint32Array.from(labels), n).subarray(1)).sort((a, b) => a - b)
        assert.deepEqual(sizes(ours.labels, ours.count), sizes(theirs.labels, theirs.count), what)
        assert.deepEqual(Array.from(ours.labels), theirs.labels, what)
        components += ours.count
      }
    }
    assert.ok(components > 1000)
  })
})
