import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  isBlockDone,
  parseBlockPart,
  partOf,
  requireAllBlocks,
  requireSameRun,
  runKey,
  writeMarker,
} from '../../../src-main/engine/block-jobs/index.ts'
import { InputError } from '../../../src-main/engine/errors.ts'
import { scopedTempDir } from '../../helpers/peers.ts'

const tmp = scopedTempDir('block-markers')

test('--block i/n parses, and anything else is refused naming the flag', () => {
  assert.deepEqual(parseBlockPart('--block', '2/8'), { index: 2, count: 8 })
  assert.deepEqual(parseBlockPart('--block', '0/1'), { index: 0, count: 1 })
  for (const bad of ['8/8', '-1/4', '1/0', 'a/b', '1,2', '1/', '/4', '1.5/4', '0/100001'])
    assert.throws(
      () => parseBlockPart('--block', bad),
      (e: Error) => e instanceof InputError && /--block/.test(e.message),
    )
})

test('the parts of a list cover it once, contiguous, sizes within one', () => {
  for (const [length, count] of [
    [10, 3],
    [3, 8],
    [0, 2],
    [1000, 7],
  ] as const) {
    const items = Array.from({ length }, (_, i) => i)
    const parts = Array.from({ length: count }, (_, index) => partOf(items, { index, count }))
    assert.deepEqual(parts.flat(), items)
    const sizes = parts.map((p) => p.length)
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`)
  }
})

test('a merge names the missing blocks; blocks of another run are refused; a damaged marker is named', () => {
  const out = join(tmp.dir, 'run.zarr')
  const key = runKey('predict', '/data/a.h5#raw', 4)
  for (const index of [0, 2]) writeMarker(out, 'predict', key, { index, count: 4 }, { tiles: index })
  assert.ok(isBlockDone(out, 'predict', key, { index: 2, count: 4 }))
  assert.ok(!isBlockDone(out, 'predict', key, { index: 1, count: 4 }))
  assert.throws(() => requireAllBlocks(out, 'predict', key), /block\(s\) 1, 3 of 4 missing/)
  writeMarker(out, 'predict', key, { index: 1, count: 4 }, {})
  writeMarker(out, 'predict', key, { index: 3, count: 4 }, {})
  assert.deepEqual(
    requireAllBlocks(out, 'predict', key).map((m) => m.index),
    [0, 1, 2, 3],
  )
  const other = runKey('predict', '/data/b.h5#raw', 4)
  assert.throws(() => requireSameRun(out, 'predict', other, { index: 0, count: 4 }), /another run/)
  assert.throws(() => requireSameRun(out, 'predict', key, { index: 0, count: 8 }), /another run/)
  requireSameRun(out, 'predict', key, { index: 0, count: 4 })
  assert.throws(() => requireAllBlocks(out, 'predict', other), /another run/)
  assert.throws(() => requireAllBlocks(join(tmp.dir, 'none'), 'predict', key), /no predict blocks found/)
  mkdirSync(join(out, '.blocks'), { recursive: true })
  writeFileSync(join(out, '.blocks', 'predict-0-of-4.json'), '{"command":')
  assert.throws(() => requireAllBlocks(out, 'predict', key), /predict-0-of-4\.json: not a block marker/)
})
