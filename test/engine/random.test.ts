import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRng } from '../../src-main/engine/random.ts'

test('random: deterministic, in range, roughly uniform and normal', () => {
  const a = createRng(42)
  const b = createRng(42)
  const c = createRng(43)
  let same = 0
  let sum = 0
  let sumN = 0
  let sumN2 = 0
  const n = 20000
  for (let i = 0; i < n; i++) {
    const x = a.next()
    assert.equal(x, b.next())
    if (x === c.next()) same++
    assert.ok(x >= 0 && x < 1)
    sum += x
    const k = a.int(3, 7)
    b.int(3, 7)
    assert.ok(Number.isInteger(k) && k >= 3 && k < 7)
    const r = a.range(-2, 5)
    b.range(-2, 5)
    assert.ok(r >= -2 && r < 5)
    const g = a.normal()
    assert.equal(g, b.normal())
    sumN += g
    sumN2 += g * g
  }
  assert.ok(same < 5)
  assert.ok(Math.abs(sum / n - 0.5) < 0.02)
  assert.ok(Math.abs(sumN / n) < 0.05)
  assert.ok(Math.abs(sumN2 / n - 1) < 0.05)
})
