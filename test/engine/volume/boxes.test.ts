import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { generateSynthetic, writeSynthetic } from '../../../src-main/engine/synth/index.ts'
import {
  openVolume,
  readBoxes,
  regionSize,
  writeNpy,
  writeNpyBoxes,
  type Box,
  type Region,
} from '../../../src-main/engine/volume/index.ts'
import { runCli } from '../../helpers/cli.ts'
import { scopedTempDir } from '../../helpers/peers.ts'

const tmp = scopedTempDir('boxes')

test('chunk-row boxes tile the region once, within the byte budget; the .npy equals one write', async () => {
  const synth = generateSynthetic({ shape: [24, 40, 48], seed: 3 })
  const files = await writeSynthetic(synth, join(tmp.dir, 'data'), { seed: 3 })
  for (const spec of [`${files.hdf5}#raw`, `${files.zarr}#raw`]) {
    const volume = await openVolume(spec)
    try {
      const region: Region = { z0: 3, z1: 22, y0: 5, y1: 37, x0: 1, x1: 47 }
      const one = join(tmp.dir, 'one.npy')
      writeNpy(one, volume.dtype, [19, 32, 46], await volume.readRegion(region))
      const row = Math.min(volume.chunks[1], 32) * 46
      for (const maxBytes of [1, 3 * row, 1 << 30]) {
        const seen = new Uint8Array(regionSize(region))
        for await (const { region: b, data } of readBoxes(volume, region, maxBytes)) {
          assert.equal(data.length, regionSize(b))
          assert.ok(data.byteLength <= Math.max(maxBytes, row), `${spec}: a box over the budget`)
          assert.ok(
            Math.floor(b.z0 / volume.chunks[0]) === Math.floor((b.z1 - 1) / volume.chunks[0]),
            `${spec}: a box straddles a chunk layer`,
          )
          for (let z = b.z0; z < b.z1; z++)
            for (let y = b.y0; y < b.y1; y++)
              for (let x = b.x0; x < b.x1; x++)
                seen[((z - region.z0) * 32 + (y - region.y0)) * 46 + (x - region.x0)]! += 1
        }
        assert.ok(
          seen.every((n) => n === 1),
          `${spec}, ${maxBytes} bytes: every voxel in exactly one box`,
        )
        const boxed = join(tmp.dir, 'boxed.npy')
        await writeNpyBoxes(boxed, volume.dtype, region, readBoxes(volume, region, maxBytes))
        assert.deepEqual(readFileSync(boxed), readFileSync(one), `${spec}, ${maxBytes} bytes`)
      }
    } finally {
      volume.close()
    }
  }
})

test('a box that fails, or too few values, leaves no file and no partial file behind', async () => {
  const dir = join(tmp.dir, 'failing')
  const file = join(dir, 'out.npy')
  runCli(['synth', '--out', dir, '--shape', '8,8,8', '--seed', '1'])
  const region: Region = { z0: 0, z1: 2, y0: 0, y1: 1, x0: 0, x1: 4 }
  const first: Box = { region: { ...region, z1: 1 }, data: new Float32Array(4) }
  async function* failing(): AsyncGenerator<Box> {
    yield first
    throw new Error('disk gone')
  }
  await assert.rejects(writeNpyBoxes(file, 'float32', region, failing()), /disk gone/)
  async function* short(): AsyncGenerator<Box> {
    yield first
  }
  await assert.rejects(
    writeNpyBoxes(file, 'float32', region, short()),
    /4 values written, the region holds 8/,
  )
  assert.equal(existsSync(file), false)
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('partial')),
    [],
  )
})
