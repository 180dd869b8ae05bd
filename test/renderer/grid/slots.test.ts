import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SlotPool } from '../../../src-renderer/src/grid/slots.ts'

const slotsOf = (pool: SlotPool, ids: number[]): number[] => {
  const map = pool.assign(ids)
  return ids.map((id) => map.get(id)!)
}

test('a shown item keeps its slot; one that scrolls in takes the lowest slot freed by one that left', () => {
  const pool = new SlotPool()
  assert.deepEqual(slotsOf(pool, [10, 11, 12, 13]), [0, 1, 2, 3])
  // 10 and 11 leave at the top, 14 and 15 come in at the bottom: they reuse slots 0 and 1.
  assert.deepEqual(slotsOf(pool, [12, 13, 14, 15]), [2, 3, 0, 1])
  // Scrolling back: 11 comes in where 15 left.
  assert.deepEqual(slotsOf(pool, [11, 12, 13, 14]), [1, 2, 3, 0])
  assert.equal(pool.size, 4)
})

test('slots are distinct among the items shown, and only a larger window adds slots', () => {
  const pool = new SlotPool()
  for (let start = 0; start < 500; start += 7) {
    const count = 60 + (start % 13)
    const shown = Array.from({ length: count }, (_, i) => start + i)
    const slots = slotsOf(pool, shown)
    assert.equal(new Set(slots).size, shown.length, `window at ${start}: slots collide`)
    assert.ok(Math.max(...slots) < pool.size)
  }
  assert.equal(pool.size, 72)
  // A new list (another filter) reuses the same slots.
  assert.deepEqual(new Set(slotsOf(pool, [9000, 9001, 9002])), new Set([0, 1, 2]))
})
