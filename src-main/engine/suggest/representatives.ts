import { pick, squaredDistance } from './features.ts'
import { kmeansSpace } from './kmeans-space.ts'
import type { Clustering } from './strategies/strategy.ts'
import type { Query } from './suggest.ts'

/**
 * Q representatives per cluster: the unannotated members nearest Q k-means centres of the cluster
 * (Q = 1: the member nearest the cluster's centre).
 */
export async function representatives(
  c: Clustering,
  Q: number,
  annotated: ReadonlySet<number>,
  seed: number,
  notes: string[],
): Promise<Query[]> {
  const queries: Query[] = []
  let short = 0
  for (let k = 0; k < c.clusters; k++) {
    const members: number[] = []
    c.assignment.forEach((l, i) => {
      if (l === k && !annotated.has(i)) members.push(i)
    })
    if (members.length === 0) continue
    const distanceTo = (i: number): number => centreDistance(c, i, k)
    let chosen: number[]
    if (Q === 1 || members.length <= Q) {
      chosen = Q === 1 ? [members.reduce((a, b) => (distanceTo(b) < distanceTo(a) ? b : a))] : members
      if (members.length < Q) short++
    } else {
      const sub = await kmeansSpace(pick(c.space, members), Q, seed + 7919 + k)
      const used = new Set<number>()
      chosen = []
      for (let q = 0; q < Q; q++) {
        let best = -1
        let bestD = Infinity
        for (let j = 0; j < members.length; j++) {
          if (used.has(j)) continue
          const d = squaredDistance(c.space, members[j]!, sub.centres, q)
          if (d < bestD) {
            bestD = d
            best = j
          }
        }
        used.add(best)
        chosen.push(members[best]!)
      }
    }
    for (const i of chosen) queries.push({ index: i, cluster: k, distance: distanceTo(i) })
  }
  if (short > 0)
    notes.push(`${short} clusters had fewer than Q = ${Q} unannotated ROIs: all of them were queried`)
  return queries
}

/** Euclidean distance of ROI `i` to the centre of cluster `k`, in the space the clusters were made in. */
function centreDistance(c: Clustering, i: number, k: number): number {
  return Math.sqrt(squaredDistance(c.space, i, c.centres, k))
}

/**
 * More queries when the representatives fall short of the budget (clusters whose ROIs are all
 * annotated already, or too few of them for Q): one at a time from the cluster with the most
 * unannotated ROIs per label it holds (annotated or asked), the member nearest its centre.
 */
export function fillBudget(
  c: Clustering,
  queries: Query[],
  want: number,
  annotated: ReadonlySet<number>,
): number {
  const asked = new Set(queries.map((q) => q.index))
  const left: number[][] = Array.from({ length: c.clusters }, () => [])
  const labels = new Array<number>(c.clusters).fill(0)
  c.assignment.forEach((k, i) => {
    if (annotated.has(i) || asked.has(i)) labels[k]!++
    else left[k]!.push(i)
  })
  // Farthest first, so that pop() takes the nearest; each distance measured once, not per comparison.
  const distance = new Float64Array(c.assignment.length)
  for (const [k, members] of left.entries()) {
    for (const i of members) distance[i] = centreDistance(c, i, k)
    members.sort((a, b) => distance[b]! - distance[a]! || b - a)
  }
  let added = 0
  while (queries.length < want) {
    let best = -1
    for (let k = 0; k < c.clusters; k++)
      if (
        left[k]!.length > 0 &&
        (best < 0 || left[k]!.length * (labels[best]! + 1) > left[best]!.length * (labels[k]! + 1))
      )
        best = k
    if (best < 0) break
    const i = left[best]!.pop()!
    queries.push({ index: i, cluster: best, distance: distance[i]! })
    labels[best]!++
    added++
  }
  return added
}
