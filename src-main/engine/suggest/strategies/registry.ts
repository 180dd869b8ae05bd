import { coreSet } from './core-set.ts'
import { imageOnly, lateFusion, maskOnly } from './flat.ts'
import { random } from './random.ts'
import type { StrategyDefinition } from './strategy.ts'
import { twoStream } from './two-stream.ts'
import { uncertainty } from './uncertainty.ts'

/**
 * Every query strategy by name. The order is the one the CLI lists and `simulate --compare` runs, and
 * the names are what `--strategy`, rounds and campaigns store.
 */
export const STRATEGY_REGISTRY = {
  'two-stream': twoStream,
  'late-fusion': lateFusion,
  'mask-only': maskOnly,
  'image-only': imageOnly,
  random,
  uncertainty,
  'core-set': coreSet,
} satisfies Record<string, StrategyDefinition>

export type Strategy = keyof typeof STRATEGY_REGISTRY
export const STRATEGIES = Object.keys(STRATEGY_REGISTRY) as readonly Strategy[]

export function isStrategy(name: string): name is Strategy {
  return Object.hasOwn(STRATEGY_REGISTRY, name)
}
