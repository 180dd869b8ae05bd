import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { ZarrV2Sink } from '../../../src-main/engine/export/zarr-v2.ts'
import { fullRegion, openVolume } from '../../../src-main/engine/volume/index.ts'
import { needPython, runPython } from '../../helpers/peers.ts'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-zarr-v2-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

const SHAPE = [5, 7, 9] as const
const values = Uint32Array.from({ length: 5 * 7 * 9 }, (_, i) => i * 7 + 1)

function write(root: string): void {
  const sink = new ZarrV2Sink(root)
  sink.group('labels', { note: 'edge chunks are padded' })
  const arr = sink.array('labels/ids', { shape: [...SHAPE], dtype: 'uint32', chunks: [2, 4, 4] })
  // Two boxes on the chunk grid, the second reaching the array's edge.
  const plane = SHAPE[1] * SHAPE[2]
  arr.writeBox([0, 0, 0], [2, 7, 9], values.subarray(0, 2 * plane))
  arr.writeBox([2, 0, 0], [3, 7, 9], values.subarray(2 * plane))
  sink
    .array('flat', { shape: [3], dtype: 'float32', chunks: [3] })
    .writeBox([0], [3], Float32Array.of(1.5, -2, 3))
}

test('zarr v2: metadata as zarr-python 2 writes it, chunks read back by our reader', async () => {
  const root = join(tmp, 'a.zarr')
  write(root)
  const meta = JSON.parse(readFileSync(join(root, 'labels', 'ids', '.zarray'), 'utf8'))
  assert.deepEqual(meta, {
    zarr_format: 2,
    shape: [5, 7, 9],
    chunks: [2, 4, 4],
    dtype: '<u4',
    compressor: { id: 'zlib', level: 5 },
    fill_value: 0,
    order: 'C',
    filters: null,
  })
  assert.ok(existsSync(join(root, '.zgroup')) && existsSync(join(root, 'labels', '.zgroup')))
  assert.ok(existsSync(join(root, 'labels', 'ids', '2.1.2')), 'the last edge chunk has its own file')
  const v = await openVolume(`${root}#labels/ids`)
  try {
    assert.deepEqual([...(await v.readRegion(fullRegion(v.shape)))], [...values])
  } finally {
    v.close()
  }
  assert.throws(
    () =>
      new ZarrV2Sink(join(tmp, 'b.zarr'))
        .array('x', { shape: [4], dtype: 'uint8', chunks: [2] })
        .writeBox([1], [2], new Uint8Array(2)),
    /not on the chunk grid/,
  )
})

test('zarr v2: python zarr 2 opens it with the same values', (t) => {
  if (!needPython(t, ['zarr', 'numpy'])) return
  const root = join(tmp, 'py.zarr')
  write(root)
  const out = runPython(
    `import sys, json, zarr, numpy as np
g = zarr.open(sys.argv[1], mode='r')
a = g['labels/ids']
print(json.dumps({'shape': list(a.shape), 'dtype': str(a.dtype), 'sum': int(a[...].astype(np.int64).sum()),
  'last': int(a[4, 6, 8]), 'flat': g['flat'][...].tolist(), 'note': g['labels'].attrs['note']}))`,
    [root],
  )
  const sum = values.reduce((a, b) => a + b, 0)
  assert.deepEqual(JSON.parse(out), {
    shape: [5, 7, 9],
    dtype: 'uint32',
    sum,
    last: values.at(-1),
    flat: [1.5, -2, 3],
    note: 'edge chunks are padded',
  })
})
