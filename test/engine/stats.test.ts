import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mean } from '../../src-main/engine/stats.ts'

test('mean: the arithmetic mean, NaN for no values', () => {
  assert.equal(mean([1, 2, 6]), 3)
  assert.equal(mean([-0.5]), -0.5)
  assert.ok(Number.isNaN(mean([])))
})
