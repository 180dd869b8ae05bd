import { pick, type Matrix } from '../features.ts'
import { kmeansSpace } from '../kmeans-space.ts'
import type { Clustering, StrategyDefinition } from './strategy.ts'

/**
 * Paper Sec. 4.1: N clusters on the mask stream (Es), each split into M on the image stream (Eu);
 * per subcluster the Q members nearest Q centres inside it.
 */
export const twoStream: StrategyDefinition = {
  usesImage: true,
  run: async ({ input, params, seed, notes }) => ({
    clusters: await hierarchical(input.mask, input.image, params.N, params.M, seed, notes),
  }),
}

/**
 * N clusters on the first stream, each split into M on the second. Subcluster centres are kept in the
 * second stream's space, where the representatives are chosen.
 */
async function hierarchical(
  first: Matrix,
  second: Matrix,
  N: number,
  M: number,
  seed: number,
  notes: string[],
): Promise<Clustering> {
  const top = await kmeansSpace(first, N, seed)
  const k = Math.min(N, first.n)
  if (k < N) notes.push(`${first.n} ROIs: ${k} first-stream clusters instead of ${N}`)
  const members: number[][] = Array.from({ length: k }, () => [])
  top.labels.forEach((l, i) => members[l]!.push(i))
  const split = subclusterCounts(
    members.map((m) => m.length),
    M,
  )
  const small = members.filter((m) => m.length > 0 && m.length < M).length
  if (small > 0)
    notes.push(
      `${small} of ${k} clusters had fewer than M = ${M} ROIs and were split into as many as they hold` +
        (split.moved > 0 ? `; the ${split.moved} subclusters they left went to the largest clusters` : ''),
    )
  const made = split.counts.reduce((a, b) => a + b, 0)
  if (made < k * M) notes.push(`${made} subclusters instead of ${k * M}: every ROI is one`)
  const assignment = new Int32Array(first.n)
  const centres: number[] = []
  let clusters = 0
  for (let c = 0; c < k; c++) {
    const m = split.counts[c]!
    if (m === 0) continue
    const sub = await kmeansSpace(pick(second, members[c]!), m, seed + 1 + c)
    for (let s = 0; s < m; s++) centres.push(...sub.centres.subarray(s * second.d, (s + 1) * second.d))
    members[c]!.forEach((i, j) => (assignment[i] = clusters + sub.labels[j]!))
    clusters += m
  }
  return {
    assignment,
    clusters,
    parents: { assignment: top.labels, clusters: k },
    centres: Float32Array.from(centres),
    space: second,
  }
}

/**
 * Subclusters per first-stream cluster: M each, as many as its members where it has fewer, and the
 * subclusters those could not use to the clusters with the most members per subcluster, so that the
 * split keeps N*M subclusters (and the query budget) whenever the ROIs allow it.
 */
export function subclusterCounts(sizes: readonly number[], M: number): { counts: number[]; moved: number } {
  const counts = sizes.map((size) => Math.min(M, size))
  let spare = sizes.length * M - counts.reduce((a, b) => a + b, 0)
  let moved = 0
  while (spare > 0) {
    let best = -1
    for (let c = 0; c < sizes.length; c++)
      if (counts[c]! < sizes[c]! && (best < 0 || sizes[c]! * counts[best]! > sizes[best]! * counts[c]!))
        best = c
    if (best < 0) break
    counts[best]!++
    spare--
    moved++
  }
  return { counts, moved }
}
