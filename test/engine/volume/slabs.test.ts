import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { generateSynthetic, writeSynthetic } from '../../../src-main/engine/synth/index.ts'
import {
  openVolume,
  readSlabs,
  toNumberArrayView,
  writeNpy,
  writeNpySlabs,
  type Region,
  type TypedArray,
} from '../../../src-main/engine/volume/index.ts'
import { runCli } from '../../helpers/cli.ts'
import { tempDir } from '../../helpers/peers.ts'

const tmp = tempDir('slabs')
after(() => tmp.cleanup())

test('z-slabs within the byte budget concatenate to the region; the .npy equals one write', async () => {
  const synth = generateSynthetic({ shape: [24, 40, 48], seed: 3 })
  const files = await writeSynthetic(synth, join(tmp.dir, 'data'), { seed: 3 })
  for (const spec of [`${files.hdf5}#raw`, `${files.zarr}#raw`]) {
    const volume = await openVolume(spec)
    try {
      const region: Region = { z0: 3, z1: 22, y0: 5, y1: 37, x0: 1, x1: 47 }
      const whole = toNumberArrayView(await volume.readRegion(region))
      const plane = 32 * 46
      for (const maxBytes of [1, 3 * plane, 9 * plane, 1 << 30]) {
        const slabs: TypedArray[] = []
        for await (const s of readSlabs(volume, region, maxBytes)) slabs.push(s.slice())
        const joined = slabs.flatMap((s) => Array.from(toNumberArrayView(s)))
        assert.deepEqual(joined, Array.from(whole), `${spec}, ${maxBytes} bytes`)
        assert.ok(
          slabs.every((s) => s.byteLength <= Math.max(maxBytes, plane)),
          `${spec}: a slab over the budget`,
        )
      }
      const split = join(tmp.dir, 'split.npy')
      const one = join(tmp.dir, 'one.npy')
      await writeNpySlabs(split, volume.dtype, [19, 32, 46], readSlabs(volume, region, 2 * plane))
      writeNpy(one, volume.dtype, [19, 32, 46], await volume.readRegion(region))
      assert.deepEqual(readFileSync(split), readFileSync(one))
    } finally {
      volume.close()
    }
  }
})

test('a slab that fails, or too few values, leaves no file and no partial file behind', async () => {
  const dir = join(tmp.dir, 'failing')
  const file = join(dir, 'out.npy')
  runCli(['synth', '--out', dir, '--shape', '8,8,8', '--seed', '1'])
  async function* failing(): AsyncGenerator<TypedArray> {
    yield new Float32Array(4)
    throw new Error('disk gone')
  }
  await assert.rejects(writeNpySlabs(file, 'float32', [2, 4], failing()), /disk gone/)
  async function* short(): AsyncGenerator<TypedArray> {
    yield new Float32Array(4)
  }
  await assert.rejects(writeNpySlabs(file, 'float32', [2, 4], short()), /4 values written, the shape holds 8/)
  assert.equal(existsSync(file), false)
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('partial')),
    [],
  )
})
