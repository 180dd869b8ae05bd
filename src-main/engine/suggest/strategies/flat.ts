import { bothStreams, type Matrix } from '../features.ts'
import { kmeansSpace } from '../kmeans-space.ts'
import type { Clustering, StrategyContext, StrategyDefinition } from './strategy.ts'

/** The ablations of two-stream: N*M k-means clusters of a single space, Q representatives each. */
function flatOn(space: (ctx: StrategyContext) => Matrix, usesImage: boolean): StrategyDefinition {
  return {
    usesImage,
    run: async (ctx) => ({ clusters: await flat(space(ctx), ctx.params.N * ctx.params.M, ctx.seed) }),
  }
}

async function flat(space: Matrix, k: number, seed: number): Promise<Clustering> {
  const { labels, centres } = await kmeansSpace(space, k, seed)
  return { assignment: labels, clusters: Math.min(k, space.n), centres, space }
}

/** Both streams side by side, each standardised. */
export const lateFusion = flatOn(({ input }) => bothStreams(input.mask, input.image), true)
export const maskOnly = flatOn(({ input }) => input.mask, false)
export const imageOnly = flatOn(({ input }) => input.image, true)
