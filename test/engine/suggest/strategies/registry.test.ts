import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import {
  STRATEGIES,
  STRATEGY_REGISTRY,
  suggest,
  type Matrix,
} from '../../../../src-main/engine/suggest/index.ts'
import { initTensorEngine } from '../../../../src-main/engine/tensor/index.ts'

before(async () => {
  await initTensorEngine({ backend: 'wasm' })
})

/** Features without structure, different for each seed. */
function noise(n: number, d: number, seed: number): Matrix {
  return {
    n,
    d,
    data: Float32Array.from(
      { length: n * d },
      (_, i) => (Math.sin(i * 12.9898 + seed * 78.233) * 43758.5453) % 1,
    ),
  }
}

test('the registry lists the strategies in the order the CLI shows them', () => {
  assert.deepEqual(STRATEGIES, [
    'two-stream',
    'late-fusion',
    'mask-only',
    'image-only',
    'random',
    'uncertainty',
    'core-set',
  ])
})

test('usesImage says whether the image stream changes which ROIs a strategy asks about', async () => {
  const n = 60
  const mask = noise(n, 4, 1)
  const meanProbability = Float64Array.from({ length: n }, (_, i) => ((i * 37) % 100) / 100)
  const params = { N: 3, M: 2, Q: 1, seed: 5 }
  for (const strategy of STRATEGIES) {
    const asked = async (image: Matrix): Promise<number[]> =>
      (await suggest(strategy, { mask, image, meanProbability }, params)).queries
        .map((q) => q.index)
        .sort((a, b) => a - b)
    const changed =
      JSON.stringify(await asked(noise(n, 6, 2))) !== JSON.stringify(await asked(noise(n, 6, 3)))
    assert.equal(changed, STRATEGY_REGISTRY[strategy].usesImage, strategy)
  }
})
