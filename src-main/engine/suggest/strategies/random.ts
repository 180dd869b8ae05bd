import { createRng } from '../../random.ts'
import type { StrategyDefinition } from './strategy.ts'

/** Uniformly among the unannotated ROIs: the baseline every strategy must beat. */
export const random: StrategyDefinition = {
  usesImage: false,
  run: async ({ candidates, count, seed }) => {
    const rng = createRng(seed)
    for (let i = candidates.length - 1; i > 0; i--) {
      const j = rng.int(0, i + 1)
      ;[candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!]
    }
    return { picked: candidates.slice(0, count) }
  },
}
