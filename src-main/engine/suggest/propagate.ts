/**
 * Label propagation (paper Sec. 4.2): every ROI takes the majority label of its cluster's annotated
 * ROIs; a cluster without annotations, or with a tie, keeps the detection as it is (correct).
 */
export function propagate(
  assignment: Int32Array,
  clusters: number,
  answers: ReadonlyMap<number, boolean>,
): Uint8Array {
  const votes = new Int32Array(clusters)
  for (const [i, correct] of answers) votes[assignment[i]!]! += correct ? 1 : -1
  const out = new Uint8Array(assignment.length)
  for (let i = 0; i < assignment.length; i++) {
    const a = answers.get(i)
    out[i] = a !== undefined ? (a ? 1 : 0) : votes[assignment[i]!]! >= 0 ? 1 : 0
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
