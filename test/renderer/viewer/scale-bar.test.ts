import assert from 'node:assert/strict'
import { test } from 'node:test'
import { scaleBar } from '../../../src-renderer/src/viewer/scale-bar.ts'

test('scale bars have round lengths near the target width', () => {
  assert.deepEqual(scaleBar(4, 80), { px: 50, label: '200 nm' })
  assert.deepEqual(scaleBar(20, 80), { px: 100, label: '2 µm' })
  assert.deepEqual(scaleBar(1.3, 80), { px: 100 / 1.3, label: '100 nm' })
  assert.equal(scaleBar(0, 80), null)
})
