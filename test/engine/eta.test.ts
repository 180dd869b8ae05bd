import assert from 'node:assert/strict'
import { test } from 'node:test'
import { recentLoss, Throughput } from '../../src-main/engine/eta.ts'

test('an ETA starts after warm-up and follows the wall clock, pauses between units included', () => {
  const eta = new Throughput(2)
  // A first unit that took 60 s (compiling) says nothing yet, nor does the second, where the clock starts.
  assert.equal(eta.eta(1, 100, 60_000), null)
  assert.equal(eta.eta(2, 100, 61_000), null)
  // Then one unit a second, and a 10 s validation pause after unit 12: 10 units in 20 s.
  assert.equal(eta.eta(12, 100, 71_000), 88)
  assert.equal(eta.eta(12, 100, 81_000), 88 * 2)
  assert.equal(eta.eta(22, 100, 91_000), 78 * 1.5)
  assert.equal(eta.eta(100, 100, 150_000), 0)
})

test('the loss figure is the mean of the last 20 steps, or of all when fewer', () => {
  assert.ok(Number.isNaN(recentLoss([])))
  assert.equal(recentLoss([4, 2]), 3)
  const losses = Array.from({ length: 30 }, (_, i) => i)
  assert.equal(recentLoss(losses), (10 + 29) / 2)
})
