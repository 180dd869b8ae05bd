import { mean } from '../stats.ts'
import type { Strategy } from './strategies/registry.ts'

/** The runs' shape that pairing needs (a SimulationRun). */
export interface PairableRun<S extends string = Strategy> {
  strategy: S
  seed: number
  embedding: number | null
  rounds: ReadonlyArray<{ accuracy: number }>
}

export interface PairedRound {
  round: number
  /** Mean of reference accuracy minus the other's, over the pairs (same embedding and seed). */
  mean: number
  /**
   * Standard error of that mean; null with fewer than two independent units. With several embeddings
   * the unit is the embedding (its runs' mean difference): runs on one embedding share its VAEs and are
   * not independent, and counting them as such would shrink the error.
   */
  se: number | null
  pairs: number
  /** Pairs where the reference was more accurate, and where it was less. */
  wins: number
  losses: number
}

export interface PairedComparison<S extends string = Strategy> {
  strategy: S
  rounds: PairedRound[]
}

/**
 * Each strategy (or any other name a run carries, such as a grid's row) against `reference` run by run: the spreads of a table's columns mostly come from the
 * embeddings and seeds that every strategy shares, so whether one strategy beats another shows only in
 * the differences of runs on the same embedding and seed.
 */
export function pairedDifferences<S extends string = Strategy>(
  runs: readonly PairableRun<S>[],
  reference: S,
  rounds: number,
): PairedComparison<S>[] {
  const key = (r: PairableRun<S>): string => `${r.embedding ?? 'own'}/${r.seed}`
  const mine = new Map(runs.filter((r) => r.strategy === reference).map((r) => [key(r), r]))
  const others = [...new Set(runs.map((r) => r.strategy))].filter((s) => s !== reference)
  return others.map((strategy) => {
    const pairs = runs
      .filter((r) => r.strategy === strategy && mine.has(key(r)))
      .map((r) => ({ other: r, ref: mine.get(key(r))! }))
    return {
      strategy,
      rounds: Array.from({ length: rounds }, (_, k): PairedRound => {
        const diffs = pairs.map((p) => ({
          unit: p.other.embedding,
          d: p.ref.rounds[k]!.accuracy - p.other.rounds[k]!.accuracy,
        }))
        const byUnit = new Map<number | null, number[]>()
        for (const x of diffs) byUnit.set(x.unit, [...(byUnit.get(x.unit) ?? []), x.d])
        const units = byUnit.size > 1 ? [...byUnit.values()].map(mean) : diffs.map((x) => x.d)
        return {
          round: k + 1,
          mean: mean(diffs.map((x) => x.d)),
          se: units.length > 1 ? standardError(units) : null,
          pairs: diffs.length,
          wins: diffs.filter((x) => x.d > 0).length,
          losses: diffs.filter((x) => x.d < 0).length,
        }
      }),
    }
  })
}

/** Sample standard deviation over sqrt(count). */
function standardError(xs: readonly number[]): number {
  const m = mean(xs)
  const variance = xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)
  return Math.sqrt(variance / xs.length)
}
