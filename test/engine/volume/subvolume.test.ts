import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { openVolume, ZarrV3Writer } from '../../../src-main/engine/volume/index.ts'
import { runCli } from '../../helpers/cli.ts'
import { tempDir } from '../../helpers/peers.ts'

const tmp = tempDir('subvolume')
const file = join(tmp.dir, 'v.zarr')
const shape = [6, 10, 12] as const
const value = (z: number, y: number, x: number): number => z * 1000 + y * 20 + x

describe('a box of a volume: PATH#DS[z0:z1,y0:y1,x0:x1]', () => {
  before(async () => {
    const data = new Uint16Array(shape[0] * shape[1] * shape[2])
    for (let z = 0; z < shape[0]; z++)
      for (let y = 0; y < shape[1]; y++)
        for (let x = 0; x < shape[2]; x++) data[(z * shape[1] + y) * shape[2] + x] = value(z, y, x)
    const w = new ZarrV3Writer(file)
    await w.group()
    const arr = await w.array('raw', { shape: [...shape], chunks: [4, 4, 4], dtype: 'uint16' })
    await arr.writeRegion({ z0: 0, z1: 6, y0: 0, y1: 10, x0: 0, x1: 12 }, data)
  })
  after(() => tmp.cleanup())

  test('reads the box with its own origin; empty bounds run to the edge', async () => {
    const v = await openVolume(`${file}#raw[1:5, 2:, :7]`)
    try {
      assert.deepEqual(v.shape, [4, 8, 7])
      assert.equal(v.spec, `${file}#raw[1:5,2:10,0:7]`)
      const got = await v.readRegion({ z0: 1, z1: 3, y0: 0, y1: 2, x0: 5, x1: 7 })
      assert.deepEqual(
        [...got],
        [
          [2, 2, 5],
          [2, 2, 6],
          [2, 3, 5],
          [2, 3, 6],
          [3, 2, 5],
          [3, 2, 6],
          [3, 3, 5],
          [3, 3, 6],
        ].map(([z, y, x]) => value(z!, y!, x!)),
      )
      // A read beyond the box is refused even where the whole volume has data.
      await assert.rejects(v.readRegion({ z0: 0, z1: 5, y0: 0, y1: 1, x0: 0, x1: 1 }), /out of bounds/)
      // The spec it reports opens the same box again.
      const again = await openVolume(v.spec)
      assert.deepEqual(again.shape, v.shape)
      again.close()
    } finally {
      v.close()
    }
  })

  test('a malformed or outside box is a clear error', async () => {
    await assert.rejects(openVolume(`${file}#raw[1:5,2:]`), /expected a box as \[z0:z1,y0:y1,x0:x1\]/)
    await assert.rejects(openVolume(`${file}#raw[a:5,:,:]`), /expected a box/)
    await assert.rejects(
      openVolume(`${file}#raw[0:7,:,:]`),
      /box z 0:7 lies outside the volume's z extent 0:6/,
    )
    await assert.rejects(openVolume(`${file}#raw[3:3,:,:]`), /is empty/)
  })

  test('activeem info reports the box shape', () => {
    const r = runCli(['info', `${file}#raw[0:2,0:5,0:5]`, '--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual((JSON.parse(r.stdout) as { shape: number[] }).shape, [2, 5, 5])
    const bad = runCli(['info', `${file}#raw[0:9,:,:]`])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /^error: .*box z 0:9 lies outside/)
  })
})
