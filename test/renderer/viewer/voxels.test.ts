import assert from 'node:assert/strict'
import { test } from 'node:test'
import { interleave, subsample, voxelValue } from '../../../src-renderer/src/viewer/voxels.ts'

test('subsample keeps every stride-th voxel per axis, rounding the size up', () => {
  const dims: [number, number, number] = [3, 4, 5]
  const voxels = Uint8Array.from({ length: 60 }, (_, i) => i)
  const { voxels: out, dims: outDims } = subsample(voxels, dims, [2, 2, 2])
  assert.deepEqual(outDims, [2, 2, 3])
  // (z, y, x) in {0, 2} x {0, 2} x {0, 2, 4}: index z*20 + y*5 + x.
  assert.deepEqual([...out], [0, 2, 4, 10, 12, 14, 40, 42, 44, 50, 52, 54])
})

test('interleave and voxelValue', () => {
  assert.deepEqual([...interleave(Uint8Array.of(1, 2), Uint8Array.of(9, 8))], [1, 9, 2, 8])
  assert.throws(() => interleave(Uint8Array.of(1), Uint8Array.of()))
  const voxels = Uint8Array.from({ length: 8 }, (_, i) => i)
  assert.equal(voxelValue(voxels, [10, 20, 30], [2, 2, 2], 1, [11, 20, 31]), 5)
  assert.equal(voxelValue(voxels, [10, 20, 30], [2, 2, 2], 2, [12, 22, 32]), 7)
  assert.equal(voxelValue(voxels, [10, 20, 30], [2, 2, 2], 1, [9, 20, 30]), null)
})
