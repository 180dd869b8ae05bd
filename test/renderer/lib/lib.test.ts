import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeBase64 } from '../../../src-renderer/src/lib/base64.ts'
import { messageOf } from '../../../src-renderer/src/lib/errors.ts'
import { latestOnly } from '../../../src-renderer/src/lib/latest.ts'
import { aboutTime, voxelEstimate } from '../../../src-renderer/src/lib/estimate.ts'

test('base64: the bytes the host encoded, signed masks included', () => {
  const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256)
  assert.deepEqual(decodeBase64(Buffer.from(bytes).toString('base64')), bytes)
  const mask = Buffer.from(Int8Array.from([-1, 1, 0]).buffer).toString('base64')
  assert.deepEqual([...new Int8Array(decodeBase64(mask).buffer)], [-1, 1, 0])
})

test('messageOf: an Error by its message, anything else as text', () => {
  assert.equal(messageOf(new Error('no such file')), 'no such file')
  assert.equal(messageOf('plain'), 'plain')
  assert.equal(messageOf(42), '42')
})

test('latestOnly: only the latest request is current; current() shares its fate', () => {
  const replies = latestOnly()
  const first = replies.next()
  const sameAsFirst = replies.current()
  assert.equal(first(), true)
  assert.equal(sameAsFirst(), true)
  const second = replies.next()
  assert.equal(first(), false, 'an earlier request is stale once a later one starts')
  assert.equal(sameAsFirst(), false)
  assert.equal(second(), true)
})

test('estimate: seconds or minutes in words, and a box of voxels at a rate', () => {
  assert.equal(aboutTime(0.2), 'about 1 s')
  assert.equal(aboutTime(41.6), 'about 42 s')
  assert.equal(aboutTime(150), 'about 2.5 min')
  assert.equal(
    voxelEstimate(8 * 256 * 256, { seconds: 1e-4, per: 'voxel', basis: 'measured' }),
    '0.52 M voxels, about 52 s (measured)',
  )
})
