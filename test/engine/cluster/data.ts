import { createRng } from '../../../src-main/engine/random.ts'

/** n points in d dimensions around `blobs` centres drawn in [-spread, spread]^d, unit normal noise. */
export function blobs(n: number, d: number, blobs: number, spread: number, seed: number): Float32Array {
  const rng = createRng(seed)
  const centres = Float64Array.from({ length: blobs * d }, () => rng.range(-spread, spread))
  const out = new Float32Array(n * d)
  for (let i = 0; i < n; i++) {
    const b = rng.int(0, blobs)
    for (let j = 0; j < d; j++) out[i * d + j] = centres[b * d + j]! + rng.normal()
  }
  return out
}

export function uniform(n: number, d: number, seed: number): Float32Array {
  const rng = createRng(seed)
  return Float32Array.from({ length: n * d }, () => rng.next())
}

/** k distinct rows of `points`, seeded. */
export function someRows(points: Float32Array, n: number, d: number, k: number, seed: number): Float32Array {
  const rng = createRng(seed)
  const picked = new Set<number>()
  while (picked.size < k) picked.add(rng.int(0, n))
  const out = new Float32Array(k * d)
  ;[...picked].forEach((i, r) => out.set(points.subarray(i * d, (i + 1) * d), r * d))
  return out
}
