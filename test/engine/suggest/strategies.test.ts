import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { subclusterCounts, suggest, type Matrix } from '../../../src-main/engine/suggest/index.ts'
import { createRng } from '../../../src-main/engine/random.ts'
import { initTensorEngine } from '../../../src-main/engine/tensor/index.ts'

/** Points around `centres` (one blob per centre, `per` points each) with a little noise. */
function blobs(centres: number[][], per: number, seed: number, spread = 0.05): Matrix {
  const rng = createRng(seed)
  const d = centres[0]!.length
  const data = new Float32Array(centres.length * per * d)
  centres.forEach((c, k) => {
    for (let i = 0; i < per; i++)
      for (let j = 0; j < d; j++) data[(k * per + i) * d + j] = c[j]! + spread * rng.normal()
  })
  return { n: centres.length * per, d, data }
}

function grid(count: number, d: number, seed: number): number[][] {
  const rng = createRng(seed)
  return Array.from({ length: count }, () => Array.from({ length: d }, () => rng.range(-10, 10)))
}

describe('query strategies', () => {
  before(async () => {
    await initTensorEngine({ backend: 'wasm' })
  })

  test('two-stream returns exactly N*M*Q queries, one per subcluster, ordered by cluster then distance', async () => {
    // 4 mask-stream blobs; inside each, the image stream has 3 blobs: 12 true subclusters of 10 ROIs.
    const N = 4
    const M = 3
    const Q = 2
    const mask = blobs(
      grid(N, 5, 1).flatMap((c) => Array(M * 10).fill(c) as number[][]),
      1,
      2,
    )
    const imageCentres = grid(M, 6, 3)
    const image = blobs(
      Array.from({ length: N * M * 10 }, (_, i) => imageCentres[Math.floor(i / 10) % M]!),
      1,
      4,
    )
    const s = await suggest(
      'two-stream',
      { mask, image, meanProbability: new Float64Array(120).fill(0.8) },
      { N, M, Q, seed: 1 },
    )
    assert.equal(s.queries.length, N * M * Q)
    assert.equal(s.clusters, N * M)
    assert.deepEqual(s.notes, [])
    // Every subcluster is one true (mask blob, image blob) pair and is queried Q times.
    for (let c = 0; c < N * M; c++) {
      const members = [...s.assignment.keys()].filter((i) => s.assignment[i] === c)
      assert.equal(
        new Set(members.map((i) => Math.floor(i / 10))).size,
        1,
        `subcluster ${c} mixes true groups`,
      )
      assert.equal(s.queries.filter((q) => q.cluster === c).length, Q)
    }
    for (let k = 1; k < s.queries.length; k++) {
      const a = s.queries[k - 1]!
      const b = s.queries[k]!
      assert.ok(
        a.cluster < b.cluster || (a.cluster === b.cluster && a.distance <= b.distance),
        'display order',
      )
    }
    assert.equal(new Set(s.queries.map((q) => q.index)).size, s.queries.length, 'no ROI asked twice')
  })

  test('two-stream says what it did when clusters are smaller than M', async () => {
    // 3 mask blobs of 2, 2 and 8 ROIs; M = 4 cannot split the small ones into 4.
    const mask = blobs(grid(3, 4, 5), 1, 6, 0)
    const rows: number[][] = []
    const sizes = [2, 2, 8]
    sizes.forEach((size, k) => {
      for (let i = 0; i < size; i++) rows.push(Array.from(mask.data.subarray(k * 4, k * 4 + 4)))
    })
    const m2 = blobs(rows, 1, 7)
    const image = blobs(grid(12, 3, 8), 1, 9)
    const s = await suggest(
      'two-stream',
      { mask: m2, image, meanProbability: new Float64Array(12) },
      { N: 3, M: 4, Q: 1, seed: 2 },
    )
    // The small clusters take 2 subclusters each; the 4 they leave go to the large one: N*M in all.
    assert.equal(s.clusters, 12)
    assert.equal(s.queries.length, 12)
    assert.equal(s.parents!.clusters, 3)
    assert.ok(
      s.notes.some((n) =>
        /2 of 3 clusters had fewer than M = 4 ROIs.*the 4 subclusters they left went to the largest/.test(n),
      ),
      s.notes.join('; '),
    )
    const few = await suggest(
      'two-stream',
      { mask: m2, image, meanProbability: new Float64Array(12) },
      { N: 20, M: 1, Q: 1 },
    )
    assert.ok(
      few.notes.some((n) => /12 ROIs: 12 first-stream clusters instead of 20/.test(n)),
      few.notes.join('; '),
    )
  })

  test('subclusters: M each, as many as the members where fewer, the rest to the most members per subcluster', () => {
    assert.deepEqual(subclusterCounts([10, 10, 10], 2), { counts: [2, 2, 2], moved: 0 })
    assert.deepEqual(subclusterCounts([1, 30, 10], 2), { counts: [1, 3, 2], moved: 1 })
    assert.deepEqual(subclusterCounts([1, 1, 9, 3], 3), { counts: [1, 1, 7, 3], moved: 4 })
    // Too few ROIs for N*M: every ROI is its own subcluster.
    assert.deepEqual(subclusterCounts([1, 2, 2], 3), { counts: [1, 2, 2], moved: 0 })
  })

  test('cluster strategies fill the budget from the least-labelled clusters when representatives fall short', async () => {
    // 4 tight blobs of 10 ROIs; round 1 annotated all of blob 0 and most of blob 1.
    const f = blobs(grid(4, 3, 20), 10, 21)
    const annotated = new Set([...Array(10).keys(), 10, 11, 12, 13, 14, 15, 16, 17])
    for (const strategy of ['mask-only', 'late-fusion', 'image-only', 'two-stream'] as const) {
      const s = await suggest(
        strategy,
        { mask: f, image: f, meanProbability: new Float64Array(40), annotated },
        { N: 4, M: 1, Q: 2, seed: 3 },
      )
      assert.equal(s.queries.length, 8, `${strategy}: ${s.notes.join('; ')}`)
      const picked = s.queries.map((q) => q.index)
      assert.equal(new Set(picked).size, 8, 'no ROI asked twice')
      assert.ok(
        picked.every((i) => !annotated.has(i)),
        'never an annotated ROI',
      )
      const perBlob = [0, 1, 2, 3].map((b) => picked.filter((i) => Math.floor(i / 10) === b).length)
      // Blob 0 is all annotated and blob 1 has 2 left: the other queries go to the unlabelled blobs.
      assert.equal(perBlob[0], 0, strategy)
      assert.ok(perBlob[1]! <= 2 && perBlob[2]! >= 2 && perBlob[3]! >= 2, `${strategy}: ${perBlob.join(',')}`)
      assert.ok(
        s.notes.some((n) => /more queries to reach the budget of 8/.test(n)),
        `${strategy}: ${s.notes.join('; ')}`,
      )
    }
    // With budget to spare beyond the free ROIs, every free ROI is asked.
    const all = await suggest(
      'mask-only',
      { mask: f, image: f, meanProbability: new Float64Array(40), annotated },
      { N: 4, M: 1, Q: 1, budget: 30, seed: 1 },
    )
    assert.equal(all.queries.length, 40 - annotated.size)
  })

  test('random is uniform: every ROI about equally often over many seeds, never an annotated one', async () => {
    const n = 50
    const features = blobs(grid(n, 2, 10), 1, 11)
    const counts = new Array<number>(n).fill(0)
    const annotated = new Set([3, 7])
    const seeds = 400
    for (let seed = 0; seed < seeds; seed++) {
      const s = await suggest(
        'random',
        { mask: features, image: features, meanProbability: new Float64Array(n), annotated },
        { N: 5, M: 1, Q: 1, seed },
      )
      assert.equal(s.queries.length, 5)
      for (const q of s.queries) counts[q.index]!++
    }
    assert.equal(counts[3], 0)
    assert.equal(counts[7], 0)
    const expected = (seeds * 5) / (n - 2)
    // Chi-square over the 48 free ROIs: 47 degrees of freedom, 99.9th percentile ~ 82.7.
    const chi = counts.reduce((a, c, i) => (annotated.has(i) ? a : a + (c - expected) ** 2 / expected), 0)
    assert.ok(chi < 82.7, `chi-square ${chi.toFixed(1)}`)
  })

  test('uncertainty asks about the least confident ROIs; core-set about the farthest ones', async () => {
    const n = 20
    const mean = Float64Array.from({ length: n }, (_, i) => 0.5 + i * 0.02)
    const features = blobs(grid(n, 2, 12), 1, 13)
    const u = await suggest(
      'uncertainty',
      { mask: features, image: features, meanProbability: mean },
      { N: 3, M: 1, Q: 1 },
    )
    assert.deepEqual(
      u.queries.map((q) => q.index).sort((a, b) => a - b),
      [0, 1, 2],
    )
    // Core-set with ROI 0 annotated at the origin: the first pick is the point farthest from it.
    const pts = [
      [0, 0],
      [1, 0],
      [0, 1],
      [9, 9],
      [2, 2],
    ]
    const m = { n: 5, d: 2, data: Float32Array.from(pts.flat()) }
    const c = await suggest(
      'core-set',
      { mask: m, image: m, meanProbability: new Float64Array(5), annotated: new Set([0]) },
      { N: 1, M: 1, Q: 1 },
    )
    assert.deepEqual(
      c.queries.map((q) => q.index),
      [3],
    )
  })
})
