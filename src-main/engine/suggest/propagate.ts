/** Clusters of every ROI, numbered 0 .. clusters - 1. */
export interface Partition {
  assignment: Int32Array
  clusters: number
}

function votes(p: Partition, answers: ReadonlyMap<number, boolean>): Int32Array {
  const v = new Int32Array(p.clusters)
  for (const [i, correct] of answers) v[p.assignment[i]!]! += correct ? 1 : -1
  return v
}

/**
 * Label propagation (paper Sec. 4.2): every ROI takes the majority label of its cluster's annotated
 * ROIs; a cluster without annotations, or with a tie, keeps the detection as it is (correct).
 * With `coarse` (two-stream's first-stream clusters over its subclusters), the majority is taken over
 * the coarse cluster's answers, and a tie there falls to the ROI's own subcluster: from the second
 * round on a first-stream cluster holds several answers, and one wrong subcluster answer no longer
 * decides alone.
 */
export function propagate(
  fine: Partition,
  answers: ReadonlyMap<number, boolean>,
  coarse?: Partition,
): Uint8Array {
  const vf = votes(fine, answers)
  const vc = coarse ? votes(coarse, answers) : null
  const out = new Uint8Array(fine.assignment.length)
  for (let i = 0; i < out.length; i++) {
    const a = answers.get(i)
    const c = vc ? vc[coarse!.assignment[i]!]! : 0
    const vote = c !== 0 ? c : vf[fine.assignment[i]!]!
    out[i] = a !== undefined ? (a ? 1 : 0) : vote >= 0 ? 1 : 0
  }
  return out
}

/** Fraction of ROIs whose label equals the truth. */
export function accuracy(labels: Uint8Array, truth: Uint8Array): number {
  let right = 0
  for (let i = 0; i < labels.length; i++) if (labels[i] === truth[i]) right++
  return right / labels.length
}

/** Expected accuracy of annotating a random fraction s and leaving the rest as detected: p + s(1 - p). */
export function randomBaseline(p: number, s: number): number {
  return p + s * (1 - p)
}
