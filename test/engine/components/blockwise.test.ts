import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import {
  applyMorphology,
  componentSizes,
  labelComponents,
  labelVolume,
  type Connectivity,
  type Morphology,
} from '../../../src-main/engine/components/index.ts'
import { createRng } from '../../../src-main/engine/random.ts'
import { fullRegion, openVolume, ZarrV3Writer, type Region } from '../../../src-main/engine/volume/index.ts'
import type { Shape3 } from '../../../src-main/engine/volume/index.ts'
import { scopedTempDir } from '../../helpers/peers.ts'

const tmp = scopedTempDir('blockwise')

let files = 0
async function zarrOf(
  shape: Shape3,
  data: Uint8Array | Float32Array,
  chunks: Shape3 = [4, 8, 8],
): Promise<string> {
  const dir = join(tmp.dir, `v${files++}.zarr`)
  const w = new ZarrV3Writer(dir)
  const arr = await w.array('v', { shape, chunks, dtype: data instanceof Float32Array ? 'float32' : 'uint8' })
  await arr.writeRegion(fullRegion(shape), data)
  return `${dir}#v`
}

/**
 * Random worms: each a random walk of fat steps, so objects are long, branchy and cross many block
 * faces in every direction, plus sparse single voxels that touch only diagonally.
 */
function worms(shape: Shape3, seed: number, count: number, steps: number): Uint8Array {
  const [nz, ny, nx] = shape
  const m = new Uint8Array(nz * ny * nx)
  const rng = createRng(seed)
  for (let w = 0; w < count; w++) {
    let z = rng.int(0, nz)
    let y = rng.int(0, ny)
    let x = rng.int(0, nx)
    for (let s = 0; s < steps; s++) {
      m[(z * ny + y) * nx + x] = 1
      const axis = rng.int(0, 3)
      const d = rng.next() < 0.5 ? -1 : 1
      if (axis === 0) z = Math.min(nz - 1, Math.max(0, z + d))
      else if (axis === 1) y = Math.min(ny - 1, Math.max(0, y + d))
      else x = Math.min(nx - 1, Math.max(0, x + d))
    }
  }
  for (let i = 0; i < m.length; i++) if (rng.next() < 0.02) m[i] = 1
  return m
}

async function blockwiseLabels(
  spec: string,
  shape: Shape3,
  options: Parameters<typeof labelVolume>[1],
): Promise<{ labels: Uint32Array; result: Awaited<ReturnType<typeof labelVolume>> }> {
  const volume = await openVolume(spec)
  const labels = new Uint32Array(shape[0] * shape[1] * shape[2])
  const covered = new Uint8Array(labels.length)
  const write = async (r: Region, block: Uint32Array): Promise<void> => {
    let i = 0
    for (let z = r.z0; z < r.z1; z++)
      for (let y = r.y0; y < r.y1; y++)
        for (let x = r.x0; x < r.x1; x++, i++) {
          const at = (z * shape[1] + y) * shape[2] + x
          labels[at] = block[i]!
          covered[at]!++
        }
  }
  try {
    const result = await labelVolume(volume, { ...options, labelsOut: write })
    assert.ok(
      covered.every((c) => c === 1),
      'every voxel written exactly once',
    )
    return { labels, result }
  } finally {
    volume.close()
  }
}

describe('block-wise connected components', () => {
  test('equal whole-volume labeling, label for label, with blocks smaller than the objects', async () => {
    const shape: Shape3 = [17, 23, 29]
    const cases: Array<[number, number, Shape3]> = [
      [1, 40, [3, 4, 5]],
      [2, 15, [2, 2, 2]],
      [3, 80, [5, 7, 3]],
      [4, 25, [17, 23, 4]],
      [5, 25, [1, 23, 29]],
    ]
    let crossing = 0
    for (const [seed, count, block] of cases) {
      const mask = worms(shape, seed, count, 120)
      const spec = await zarrOf(shape, mask)
      for (const c of [6, 18, 26] as Connectivity[]) {
        const whole = labelComponents(mask, shape, c)
        const { labels, result } = await blockwiseLabels(spec, shape, { connectivity: c, block })
        const what = `seed ${seed}, block ${block.join('x')}, ${c}-connectivity`
        assert.equal(result.count, whole.count, what)
        assert.deepEqual(labels, whole.labels, what)
        const sizes = componentSizes(whole.labels, whole.count)
        for (const comp of result.components) {
          assert.equal(comp.voxels, sizes[comp.id], what)
          if (comp.z1 - comp.z0 > block[0] || comp.y1 - comp.y0 > block[1] || comp.x1 - comp.x0 > block[2])
            crossing++
        }
        assert.ok(result.provisional > result.count, `${what}: objects were split by blocks and merged`)
      }
    }
    assert.ok(crossing > 40, `objects larger than a block: ${crossing}`)
  })

  test('boxes, centroids and value statistics match the label array', async () => {
    const shape: Shape3 = [9, 20, 21]
    const rng = createRng(7)
    const values = new Float32Array(shape[0] * shape[1] * shape[2]).map(() => rng.next() ** 3)
    const spec = await zarrOf(shape, values)
    const mask = values.map((v) => (v > 0.5 ? 1 : 0))
    const whole = labelComponents(Uint8Array.from(mask), shape, 18)
    const { result } = await blockwiseLabels(spec, shape, { connectivity: 18, block: [2, 3, 4] })
    assert.equal(result.threshold, 0.5)
    assert.equal(result.count, whole.count)
    for (const comp of result.components) {
      let n = 0
      let sum = 0
      let top = -1
      const lo = [Infinity, Infinity, Infinity]
      const hi = [-1, -1, -1]
      const s = [0, 0, 0]
      for (let z = 0; z < shape[0]; z++)
        for (let y = 0; y < shape[1]; y++)
          for (let x = 0; x < shape[2]; x++) {
            const i = (z * shape[1] + y) * shape[2] + x
            if (whole.labels[i] !== comp.id) continue
            n++
            sum += values[i]!
            top = Math.max(top, values[i]!)
            ;[z, y, x].forEach((v, a) => {
              lo[a] = Math.min(lo[a]!, v)
              hi[a] = Math.max(hi[a]!, v + 1)
              s[a]! += v
            })
          }
      assert.deepEqual(
        [comp.z0, comp.y0, comp.x0, comp.z1, comp.y1, comp.x1],
        [...lo, ...hi],
        `box of ${comp.id}`,
      )
      assert.equal(comp.voxels, n)
      for (const [a, c] of [comp.cz, comp.cy, comp.cx].entries()) assert.ok(Math.abs(c - s[a]! / n) < 1e-9)
      assert.ok(Math.abs(comp.mean - sum / n) < 1e-6)
      assert.equal(comp.max, top)
    }
  })

  test('size filter drops components and renumbers the rest in order', async () => {
    const shape: Shape3 = [10, 30, 30]
    const mask = worms(shape, 11, 30, 60)
    const spec = await zarrOf(shape, mask)
    const whole = labelComponents(mask, shape, 26)
    const sizes = componentSizes(whole.labels, whole.count)
    // Drop the singletons and the largest component.
    const largest = Math.max(...sizes.subarray(1))
    const { labels, result } = await blockwiseLabels(spec, shape, {
      block: [3, 7, 7],
      minSize: 2,
      maxSize: largest - 1,
    })
    const keep = [...sizes.keys()].filter((l) => l > 0 && sizes[l]! >= 2 && sizes[l]! < largest)
    assert.ok(keep.length > 3 && keep.length < whole.count, `kept ${keep.length} of ${whole.count}`)
    assert.equal(result.count, keep.length)
    const renumber = new Uint32Array(whole.count + 1)
    keep.forEach((l, i) => (renumber[l] = i + 1))
    assert.deepEqual(
      labels,
      whole.labels.map((l) => renumber[l]!),
    )
    assert.equal(
      result.voxels,
      keep.reduce((a, l) => a + sizes[l]!, 0),
    )
  })

  test('dilation and closing before labeling are exact across blocks', async () => {
    const shape: Shape3 = [12, 26, 31]
    const mask = worms(shape, 21, 12, 40)
    const spec = await zarrOf(shape, mask)
    const cases: Morphology[] = [
      { op: 'dilate', radius: [0, 2, 2] },
      { op: 'dilate', radius: [1, 1, 1] },
      { op: 'close', radius: [1, 2, 2] },
    ]
    for (const m of cases) {
      const processed = mask.slice()
      applyMorphology(processed, shape, m)
      const whole = labelComponents(processed, shape, 6)
      const { labels, result } = await blockwiseLabels(spec, shape, {
        connectivity: 6,
        block: [3, 5, 4],
        morphology: m,
      })
      assert.equal(result.count, whole.count, `${m.op} ${m.radius.join(',')}`)
      assert.deepEqual(labels, whole.labels, `${m.op} ${m.radius.join(',')}`)
    }
    // Closing fills a gap dilation alone bridges, and keeps the original foreground.
    const closed = mask.slice()
    applyMorphology(closed, shape, { op: 'close', radius: [1, 2, 2] })
    assert.ok(mask.every((v, i) => v === 0 || closed[i] === 1))
  })

  test('a float volume that is not probabilities needs an explicit threshold', async () => {
    const shape: Shape3 = [4, 8, 8]
    const values = new Float32Array(256).map((_, i) => i)
    const spec = await zarrOf(shape, values)
    const volume = await openVolume(spec)
    try {
      await assert.rejects(labelVolume(volume), /not probabilities in \[0, 1\].*--threshold/)
      const r = await labelVolume(volume, { threshold: 200, connectivity: 6 })
      assert.equal(r.count, 1)
      assert.equal(r.voxels, 55)
    } finally {
      volume.close()
    }
  })
})
