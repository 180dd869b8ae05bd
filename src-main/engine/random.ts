/**
 * Small, fast, seeded PRNG (mulberry32): every seeded draw of the engine (synthetic data, sampling,
 * seeding, strategies) comes from it, so a seed gives the same run on every machine.
 * Deterministic across platforms: only 32-bit integer arithmetic and IEEE doubles.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number
  /** Uniform integer in [lo, hi). Returns lo when hi <= lo. */
  int(lo: number, hi: number): number
  /** Standard normal (Box-Muller, the second value is cached). */
  normal(): number
  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number
}

/** Mixes an arbitrary number into a well-spread 32-bit seed. */
export function hashSeed(seed: number, stream = 0): number {
  let h = (Math.floor(seed) ^ 0x9e3779b9 ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0
  // also fold in the fractional / high part so that e.g. 1 and 2**32 + 1 differ
  h = (h ^ Math.floor(seed / 4294967296)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d)
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b)
  return (h ^ (h >>> 16)) >>> 0
}

export function createRng(seed: number): Rng {
  let state = hashSeed(seed) | 0
  let spare = 0
  let hasSpare = false

  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  return {
    next,
    int(lo: number, hi: number): number {
      if (hi <= lo) return lo
      return lo + Math.floor(next() * (hi - lo))
    },
    normal(): number {
      if (hasSpare) {
        hasSpare = false
        return spare
      }
      let u = next()
      while (u <= 1e-12) u = next()
      const v = next()
      const r = Math.sqrt(-2 * Math.log(u))
      spare = r * Math.sin(2 * Math.PI * v)
      hasSpare = true
      return r * Math.cos(2 * Math.PI * v)
    },
    range(lo: number, hi: number): number {
      return lo + (hi - lo) * next()
    },
  }
}
