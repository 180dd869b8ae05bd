/**
 * A seed for tfjs' random ops. tfjs reads a seed of 0 as none and draws from Math.random, so the same
 * seed would not give the same weights or noise; 0 is moved to a seed no sequence here reaches, and
 * every other seed passes unchanged.
 */
export function tfSeed(seed: number): number {
  return seed === 0 ? 0x7fffffff : seed
}
