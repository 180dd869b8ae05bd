import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { kmeans } from '../../../src-main/engine/cluster/index.ts'
import { InputError } from '../../../src-main/engine/errors.ts'
import { createRng } from '../../../src-main/engine/random.ts'
import { blobs, uniform } from './data.ts'

describe('kmeans', () => {
  test('the same seed gives the same result, bit for bit', async () => {
    const [n, d, k] = [9000, 6, 12]
    const points = blobs(n, d, 15, 3, 11)
    const a = await kmeans(points, n, d, { k, seed: 5, restarts: 2 })
    const b = await kmeans(points, n, d, { k, seed: 5, restarts: 2 })
    assert.deepEqual(a.centres, b.centres)
    assert.deepEqual(a.labels, b.labels)
    assert.deepEqual(a.distances, b.distances)
    assert.equal(a.inertia, b.inertia)
    const c = await kmeans(points, n, d, { k, seed: 6, restarts: 2, init: 'random' })
    assert.notDeepEqual(c.centres, a.centres)
  })

  test('the result is consistent: labels are the nearest centres, distances and inertia match', async () => {
    const [n, d, k] = [3000, 5, 7]
    const points = uniform(n, d, 3)
    const r = await kmeans(points, n, d, { k, seed: 1 })
    let total = 0
    for (let i = 0; i < n; i++) {
      const dist = (c: number): number => {
        let s = 0
        for (let t = 0; t < d; t++) s += (points[i * d + t]! - r.centres[c * d + t]!) ** 2
        return s
      }
      const own = dist(r.labels[i]!)
      for (let c = 0; c < k; c++) assert.ok(own <= dist(c) + 1e-5, `point ${i}: centre ${c} is nearer`)
      assert.ok(Math.abs(own - r.distances[i]!) <= 1e-5 * Math.max(own, 1))
      total += own
    }
    assert.ok(Math.abs(total - r.inertia) <= 1e-6 * total)
    assert.ok(r.iterations >= 1 && r.iterations <= 300)
  })

  test('restarts keep the lowest inertia', async () => {
    // Random initial centres on many small blobs land in different local optima from run to run.
    const [n, d, k] = [4000, 2, 25]
    const points = blobs(n, d, 25, 10, 12)
    let improved = 0
    for (let seed = 0; seed < 5; seed++) {
      const runs: number[] = []
      const one = await kmeans(points, n, d, { k, seed, restarts: 1, init: 'random' })
      const five = await kmeans(points, n, d, {
        k,
        seed,
        restarts: 5,
        init: 'random',
        onProgress: (restart, _it, inertia) => void (runs[restart] = inertia),
      })
      assert.equal(runs.length, 5)
      // The first of the five runs is the single run (one random stream, drawn in order).
      assert.ok(five.inertia <= one.inertia, `seed ${seed}: ${five.inertia} > ${one.inertia}`)
      if (five.inertia < one.inertia) improved++
    }
    assert.ok(improved > 0, 'some later run should have been better than the first')
  })

  test('a centre far from every point is given the farthest point and ends non-empty', async () => {
    // Two blobs far apart: a centre left at their mean (between them) would stay empty for good.
    const n = 2000
    const rng = createRng(13)
    const points = Float32Array.from({ length: n * 2 }, (_, i) =>
      i % 2 === 0 ? (i < n ? -10 : 10) + rng.normal() : rng.normal(),
    )
    const init = Float32Array.from([-10, 0, 10, 0, 1e4, 1e4])
    const r = await kmeans(points, n, 2, { k: 3, init })
    assert.ok(r.emptyRepaired >= 1)
    const sizes = [0, 0, 0]
    for (const l of r.labels) sizes[l]!++
    assert.ok(
      sizes.every((s) => s > 0),
      `cluster sizes ${sizes.join(', ')}`,
    )
    assert.ok(r.centres.every((v) => Math.abs(v) < 20))
  })

  test('k larger than n, and points that do not fill n x d, are input errors', async () => {
    const points = uniform(10, 2, 1)
    await assert.rejects(
      kmeans(points, 10, 2, { k: 11 }),
      (e) => e instanceof InputError && /k = 11/.test(e.message),
    )
    await assert.rejects(kmeans(points, 11, 2, { k: 2 }), InputError)
    await assert.rejects(kmeans(points, 10, 2, { k: 2, init: new Float32Array(3) }), InputError)
    await assert.rejects(kmeans(points, 10, 2, { k: 0 }), InputError)
    const bad = points.slice()
    bad[3] = NaN
    await assert.rejects(kmeans(bad, 10, 2, { k: 2 }), InputError)
  })

  test('k = n puts each point in its own cluster; k = 1 is the mean', async () => {
    const points = Float32Array.from([0, 0, 4, 0, 0, 3])
    const all = await kmeans(points, 3, 2, { k: 3 })
    assert.equal(new Set(all.labels).size, 3)
    assert.equal(all.inertia, 0)
    const one = await kmeans(points, 3, 2, { k: 1 })
    assert.ok(
      Math.abs(one.centres[0]! - 4 / 3) < 1e-6 && Math.abs(one.centres[1]! - 1) < 1e-6,
      `${one.centres}`,
    )
  })

  test('progress is reported per iteration and a signal stops the run', async () => {
    const [n, d] = [5000, 4]
    const points = uniform(n, d, 4)
    const seen: number[] = []
    const controller = new AbortController()
    await assert.rejects(
      kmeans(points, n, d, {
        k: 8,
        tolerance: 0,
        signal: controller.signal,
        onProgress: (restart, iteration) => {
          seen.push(iteration)
          if (restart === 0 && iteration === 3) controller.abort()
        },
      }),
      (e) => (e as Error).name === 'AbortError',
    )
    assert.deepEqual(seen, [1, 2, 3])
    // The shared workers are free again afterwards.
    const r = await kmeans(points, n, d, { k: 8, restarts: 1 })
    assert.equal(r.labels.length, n)
  })
})
