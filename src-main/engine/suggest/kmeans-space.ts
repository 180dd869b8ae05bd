import { kmeans } from '../cluster/index.ts'
import type { Matrix } from './features.ts'

/** k-means of the rows of one feature space (k at most the row count), three restarts. */
export async function kmeansSpace(
  space: Matrix,
  k: number,
  seed: number,
): Promise<{ labels: Int32Array; centres: Float32Array }> {
  const r = await kmeans(space.data, space.n, space.d, { k: Math.min(k, space.n), seed, restarts: 3 })
  return { labels: r.labels, centres: r.centres }
}
