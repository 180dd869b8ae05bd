import type { StrategyDefinition } from './strategy.ts'

/** Least confident first: mean probability nearest the 0.5 decision boundary. */
export const uncertainty: StrategyDefinition = {
  usesImage: false,
  run: async ({ input, candidates, count }) => {
    const margin = (i: number): number => Math.abs(Number(input.meanProbability[i]) - 0.5)
    return { picked: candidates.sort((a, b) => margin(a) - margin(b) || a - b).slice(0, count) }
  },
}
