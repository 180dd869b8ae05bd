import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { fullRegion, openVolume, ZarrV3Writer, type Shape3 } from '../../../src-main/engine/volume/index.ts'
import { cliJson } from '../../helpers/cli.ts'
import { scopedTempDir } from '../../helpers/peers.ts'

const tmp = scopedTempDir('zarr-write')

function pattern(shape: Shape3, f: (z: number, y: number, x: number) => number): Float32Array {
  const out = new Float32Array(shape[0] * shape[1] * shape[2])
  let i = 0
  for (let z = 0; z < shape[0]; z++)
    for (let y = 0; y < shape[1]; y++) for (let x = 0; x < shape[2]; x++) out[i++] = f(z, y, x)
  return out
}

for (const compression of ['zstd', 'gzip', 'none'] as const) {
  test(`Zarr v3 (${compression}): block writes, unaligned to chunks, read back exactly`, async () => {
    const root = join(tmp.dir, `${compression}.zarr`)
    const shape: Shape3 = [9, 21, 34]
    const w = new ZarrV3Writer(root)
    await w.group('', { note: 'test' })
    const arr = await w.array('pred/prob', { shape, chunks: [4, 8, 8], dtype: 'float32', compression })
    const all = pattern(shape, (z, y, x) => z * 1000 + y * 10 + x / 100)
    // Two slabs whose border cuts through a chunk: the second write must keep the first's voxels.
    const split = 5
    const plane = shape[1] * shape[2]
    await arr.writeRegion(
      { z0: 0, z1: split, y0: 0, y1: shape[1], x0: 0, x1: shape[2] },
      all.slice(0, split * plane),
    )
    await arr.writeRegion(
      { z0: split, z1: shape[0], y0: 0, y1: shape[1], x0: 0, x1: shape[2] },
      all.slice(split * plane),
    )
    const meta = JSON.parse(readFileSync(join(root, 'pred/prob/zarr.json'), 'utf8')) as {
      zarr_format: number
      codecs: Array<{ name: string }>
    }
    assert.equal(meta.zarr_format, 3)
    assert.deepEqual(
      meta.codecs.map((c) => c.name),
      compression === 'none' ? ['bytes'] : ['bytes', compression],
    )
    const v = await openVolume(`${root}#pred/prob`)
    assert.deepEqual([v.shape, v.dtype, v.chunks], [shape, 'float32', [4, 8, 8]])
    assert.deepEqual(await v.readRegion(fullRegion(shape)), all)
    const listing = cliJson<{
      format: string
      datasets: Array<{ name: string; compression: string | null }>
    }>(['info', root])
    assert.deepEqual(
      listing.datasets.map((d) => [d.name, d.compression]),
      [['pred/prob', compression === 'none' ? null : compression]],
    )
  })
}
