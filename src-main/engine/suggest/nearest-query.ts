import { pick, squaredDistance, type Matrix } from './features.ts'
import type { Query } from './suggest.ts'

/** Clusters for strategies that pick without clustering: every ROI joins its nearest query (Voronoi). */
export function nearestQuery(space: Matrix, queries: Query[]): { assignment: Int32Array; queries: Query[] } {
  const assignment = new Int32Array(space.n)
  const centres = pick(
    space,
    queries.map((q) => q.index),
  ).data
  for (let i = 0; i < space.n; i++) {
    let best = 0
    let bestD = Infinity
    for (let q = 0; q < queries.length; q++) {
      const d = squaredDistance(space, i, centres, q)
      if (d < bestD) {
        bestD = d
        best = q
      }
    }
    assignment[i] = best
  }
  return { assignment, queries: queries.map((q, k) => ({ ...q, cluster: k, distance: 0 })) }
}
