import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { pairedDifferences } from '../../../src-main/engine/suggest/index.ts'
import type { Strategy } from '../../../src-main/engine/suggest/index.ts'

function run(strategy: Strategy, embedding: number | null, seed: number, accuracies: number[]) {
  return { strategy, embedding, seed, rounds: accuracies.map((accuracy) => ({ accuracy })) }
}

const close = (a: number, b: number, what: string): void =>
  assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a}, expected ${b}`)

describe('pairedDifferences', () => {
  test('pairs runs on the same embedding and seed, whatever their order', () => {
    // Column spreads of 0.2 hide a steady lead of 0.01 that only pairing shows.
    const runs = [
      run('mask-only', null, 2, [0.7]),
      run('two-stream', null, 0, [0.51]),
      run('two-stream', null, 1, [0.91]),
      run('mask-only', null, 0, [0.5]),
      run('two-stream', null, 2, [0.71]),
      run('mask-only', null, 1, [0.9]),
    ]
    const [m] = pairedDifferences(runs, 'two-stream', 1)
    assert.equal(m!.strategy, 'mask-only')
    const r = m!.rounds[0]!
    close(r.mean, 0.01, 'mean')
    close(r.se!, 0, 'no spread of the differences')
    assert.deepEqual([r.pairs, r.wins, r.losses], [3, 3, 0])
  })

  test('one embedding: the seeds are the units; several: the embeddings are', () => {
    const diffs = [0.1, -0.05, 0.02, 0.03]
    const seeds = diffs.flatMap((d, seed) => [
      run('two-stream', null, seed, [0.5 + d, 0.6]),
      run('random', null, seed, [0.5, 0.6]),
    ])
    const [a] = pairedDifferences(seeds, 'two-stream', 2)
    const m = 0.025
    const sd = Math.sqrt(diffs.reduce((s, d) => s + (d - m) ** 2, 0) / 3)
    close(a!.rounds[0]!.mean, m, 'mean')
    close(a!.rounds[0]!.se!, sd / 2, 'standard error over 4 seeds')
    assert.deepEqual([a!.rounds[0]!.wins, a!.rounds[0]!.losses], [3, 1])
    assert.deepEqual([a!.rounds[1]!.mean, a!.rounds[1]!.wins, a!.rounds[1]!.losses], [0, 0, 0])

    // Two embeddings of two seeds each: embedding means 0.025 and 0.075, so the error is over two units.
    const embedded = diffs.flatMap((d, i) => {
      const embedding = 1 + Math.floor(i / 2)
      const shift = embedding === 2 ? 0.05 : 0
      return [run('two-stream', embedding, i % 2, [0.5 + d + shift]), run('random', embedding, i % 2, [0.5])]
    })
    const [b] = pairedDifferences(embedded, 'two-stream', 1)
    close(b!.rounds[0]!.mean, 0.05, 'mean over four pairs')
    // Means 0.025 and 0.075: sd 0.0354, standard error 0.025.
    close(b!.rounds[0]!.se!, 0.025, 'standard error over the two embeddings')
    assert.equal(b!.rounds[0]!.pairs, 4)
  })

  test('a single pair has no standard error; unmatched runs are left out', () => {
    const runs = [
      run('two-stream', 1, 0, [0.8]),
      run('core-set', 1, 0, [0.6]),
      run('core-set', 1, 1, [0.9]),
      run('random', 2, 0, [0.1]),
    ]
    const [core, random] = pairedDifferences(runs, 'two-stream', 1)
    assert.equal(core!.strategy, 'core-set')
    close(core!.rounds[0]!.mean, 0.2, 'the matched pair only')
    assert.equal(core!.rounds[0]!.se, null)
    assert.equal(core!.rounds[0]!.pairs, 1)
    assert.equal(random!.rounds[0]!.pairs, 0)
  })
})
