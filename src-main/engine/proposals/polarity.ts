import type { Region } from '../volume/index.ts'

/** Pre- and post-synaptic sides of a synapse ROI: where each channel is above the threshold inside it. */
export interface Polarity {
  preVoxels: number
  postVoxels: number
  /** Centroids in voxels (z, y, x); null when that side is empty. */
  pre: [number, number, number] | null
  post: [number, number, number] | null
  /** Unit vector from the pre to the post centroid (z, y, x), in voxels; null unless both sides exist. */
  direction: [number, number, number] | null
}

/** Sums per ROI of the voxels where the pre and the post channel are above the threshold. */
export class PolarityAccumulator {
  private readonly sums: Float64Array

  constructor(
    private readonly count: number,
    private readonly threshold: number,
  ) {
    // Per ROI: pre n, z, y, x, then post n, z, y, x.
    this.sums = new Float64Array((count + 1) * 8)
  }

  add(region: Region, labels: Uint32Array, pre: ArrayLike<number>, post: ArrayLike<number>): void {
    const s = this.sums
    const t = this.threshold
    let i = 0
    for (let z = region.z0; z < region.z1; z++)
      for (let y = region.y0; y < region.y1; y++)
        for (let x = region.x0; x < region.x1; x++, i++) {
          const l = labels[i]!
          if (l === 0) continue
          if (pre[i]! > t) {
            const o = l * 8
            s[o]!++
            s[o + 1]! += z
            s[o + 2]! += y
            s[o + 3]! += x
          }
          if (post[i]! > t) {
            const o = l * 8 + 4
            s[o]!++
            s[o + 1]! += z
            s[o + 2]! += y
            s[o + 3]! += x
          }
        }
  }

  of(id: number): Polarity {
    const s = this.sums
    const side = (o: number): [number, number, number] | null =>
      s[o]! > 0 ? [s[o + 1]! / s[o]!, s[o + 2]! / s[o]!, s[o + 3]! / s[o]!] : null
    const pre = side(id * 8)
    const post = side(id * 8 + 4)
    let direction: Polarity['direction'] = null
    if (pre && post) {
      const d = [post[0] - pre[0], post[1] - pre[1], post[2] - pre[2]] as [number, number, number]
      const n = Math.hypot(...d)
      if (n > 0) direction = [d[0] / n, d[1] / n, d[2] / n]
    }
    return { preVoxels: s[id * 8]!, postVoxels: s[id * 8 + 4]!, pre, post, direction }
  }

  get size(): number {
    return this.count
  }
}
