import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { kCenterGreedy } from '../../../src-main/engine/cluster/index.ts'
import { InputError } from '../../../src-main/engine/errors.ts'
import { uniform } from './data.ts'

/** The definition, in float64: each pick the point with the largest distance to its nearest chosen point. */
function bruteForce(
  points: Float32Array,
  n: number,
  d: number,
  budget: number,
  labeled: number[],
  first: number,
): number[] {
  const near = new Float64Array(n).fill(Infinity)
  const chosen = new Set(labeled)
  const lower = (c: number): void => {
    for (let i = 0; i < n; i++) {
      let s = 0
      for (let t = 0; t < d; t++) s += (points[i * d + t]! - points[c * d + t]!) ** 2
      near[i] = Math.min(near[i]!, s)
    }
  }
  labeled.forEach(lower)
  const picks: number[] = []
  if (labeled.length === 0) {
    picks.push(first)
    chosen.add(first)
    lower(first)
  }
  while (picks.length < budget) {
    let best = -1
    for (let i = 0; i < n; i++) if (!chosen.has(i) && (best < 0 || near[i]! > near[best]!)) best = i
    picks.push(best)
    chosen.add(best)
    lower(best)
  }
  return picks
}

describe('kCenterGreedy', () => {
  test('1D: the farthest point first, then the farthest from all chosen', async () => {
    const points = Float32Array.from([0, 1, 2.5, 9.8, 11])
    assert.deepEqual([...(await kCenterGreedy(points, 5, 1, 3, [0]))], [4, 2, 3])
  })

  test('2D: a labelled corner makes the opposite corner the first pick', async () => {
    // A 3 x 3 grid with the origin labelled.
    const points = Float32Array.from([0, 0, 1, 0, 2, 0, 0, 1, 1, 1, 2, 1, 0, 2, 1, 2, 2, 2])
    const picks = [...(await kCenterGreedy(points, 9, 2, 2, [0]))]
    assert.equal(picks[0], 8)
    // Then one of the two corners left: 2 from their nearest chosen point, more than any other.
    assert.ok(picks[1] === 2 || picks[1] === 6, `${picks}`)
  })

  test('matches the definition on random data, with and without labelled points', async () => {
    for (const [n, d, labeled] of [
      [600, 3, [5, 17, 300]],
      [20000, 8, [1, 2, 3, 19999]],
    ] as const) {
      const points = uniform(n, d, n)
      const ours = await kCenterGreedy(points, n, d, 25, [...labeled], 4)
      assert.deepEqual([...ours], bruteForce(points, n, d, 25, [...labeled], -1))
      const unlabelled = await kCenterGreedy(points, n, d, 10, [], 4)
      assert.deepEqual([...unlabelled], bruteForce(points, n, d, 10, [], unlabelled[0]!))
      assert.deepEqual(await kCenterGreedy(points, n, d, 10, [], 4), unlabelled, 'seeded first pick')
    }
  })

  test('returns budget distinct indices that were not labelled, even among duplicates', async () => {
    const points = new Float32Array(40 * 2).fill(3)
    const labeled = [0, 1, 2]
    const picks = await kCenterGreedy(points, 40, 2, 37, labeled)
    assert.equal(picks.length, 37)
    assert.equal(new Set(picks).size, 37)
    assert.ok([...picks].every((i) => i >= 0 && i < 40 && !labeled.includes(i)))
    assert.deepEqual(await kCenterGreedy(points, 40, 2, 0, labeled), new Int32Array(0))
  })

  test('a budget beyond the unlabelled points or a bad index is an input error', async () => {
    const points = uniform(10, 2, 1)
    await assert.rejects(kCenterGreedy(points, 10, 2, 9, [0, 1]), InputError)
    await assert.rejects(kCenterGreedy(points, 10, 2, 1, [10]), InputError)
    await assert.rejects(kCenterGreedy(points, 10, 3, 1, []), InputError)
  })
})
