import { kCenterGreedy } from '../../cluster/index.ts'
import { bothStreams } from '../features.ts'
import type { StrategyDefinition } from './strategy.ts'

/** k-center greedy on both streams, standardised (Sener and Savarese); annotated ROIs are centres already. */
export const coreSet: StrategyDefinition = {
  usesImage: true,
  run: async ({ input, annotated, count, seed }) => {
    const space = bothStreams(input.mask, input.image)
    return {
      picked: Array.from(await kCenterGreedy(space.data, space.n, space.d, count, [...annotated], seed)),
    }
  },
}
