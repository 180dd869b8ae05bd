import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { kmeansTuned, type KMeansOptions } from '../../../src-main/engine/cluster/kmeans.ts'
import { createRng } from '../../../src-main/engine/random.ts'
import { blobs, someRows, uniform } from './data.ts'

/** The same run with Hamerly's bounds and without (every point measured every iteration). */
async function both(points: Float32Array, n: number, d: number, o: KMeansOptions) {
  const progress = (into: number[]) => (_run: number, _it: number, inertia: number) => void into.push(inertia)
  const seen = { bounded: [] as number[], plain: [] as number[] }
  const bounded = await kmeansTuned(
    points,
    n,
    d,
    { ...o, onProgress: progress(seen.bounded) },
    { bounds: true },
  )
  const plain = await kmeansTuned(points, n, d, { ...o, onProgress: progress(seen.plain) }, { bounds: false })
  return { bounded, plain, seen }
}

function assertSame(r: Awaited<ReturnType<typeof both>>): void {
  const { bounded: a, plain: b } = r
  assert.deepEqual(a.result.labels, b.result.labels)
  assert.deepEqual(a.result.centres, b.result.centres)
  assert.deepEqual(a.result.distances, b.result.distances)
  assert.equal(a.result.inertia, b.result.inertia)
  assert.equal(a.result.iterations, b.result.iterations)
  assert.equal(a.result.emptyRepaired, b.result.emptyRepaired)
  assert.deepEqual(r.seen.bounded, r.seen.plain)
}

describe('k-means bounds', () => {
  test('centres that travel far: the same clustering as plain Lloyd, with fewer distances measured', async () => {
    // All initial centres in one blob: they have to cross the space to the other blobs.
    const [n, d, k] = [12000, 6, 20]
    const points = blobs(n, d, 30, 12, 21)
    const start = someRows(points, n, d, 1, 3)
    const rng = createRng(4)
    const init = Float32Array.from({ length: k * d }, (_, i) => start[i % d]! + rng.normal() * 0.5)
    const r = await both(points, n, d, { k, init, maxIterations: 100, tolerance: 0 })
    assertSame(r)
    assert.ok(r.bounded.result.iterations > 10, `${r.bounded.result.iterations} iterations`)
    assert.ok(
      r.bounded.measured < 0.7 * r.plain.measured,
      `measured ${r.bounded.measured} of ${r.plain.measured} distances`,
    )
  })

  test('empty clusters repaired with the farthest points: the same as plain Lloyd', async () => {
    const [n, d, k] = [8000, 5, 9]
    const points = blobs(n, d, 9, 6, 22)
    const init = someRows(points, n, d, k, 5)
    // Three centres far from everything start empty; two more coincide (ties on every point).
    init.fill(1e3, 0, d)
    init.fill(-1e3, 3 * d, 4 * d)
    init.fill(5e2, 6 * d, 7 * d)
    init.copyWithin(2 * d, 1 * d, 2 * d)
    const r = await both(points, n, d, { k, init, maxIterations: 50, tolerance: 0 })
    assertSame(r)
    assert.ok(r.bounded.result.emptyRepaired >= 3, `${r.bounded.result.emptyRepaired} repairs`)
  })

  test("many features ('rows' layout), k not a multiple of the max-pool run, restarts and seeding", async () => {
    const [n, d, k] = [5000, 600, 13]
    const points = blobs(n, d, 16, 1, 23)
    assertSame(await both(points, n, d, { k, seed: 2, restarts: 2, maxIterations: 30 }))
  })

  test('fewer centres than a max-pool run, uniform data, the default tolerance', async () => {
    const [n, d] = [20000, 3]
    const points = uniform(n, d, 24)
    assertSame(await both(points, n, d, { k: 5, seed: 1, init: 'random', restarts: 1 }))
  })
})
