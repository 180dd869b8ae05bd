import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import {
  fullRegion,
  labelCode,
  LevelledVolume,
  openVolume,
  readCrop,
  ZarrV3Writer,
  type Region,
  type Shape3,
  type Volume,
} from '../../../src-main/engine/volume/index.ts'
import { tempDir } from '../../helpers/peers.ts'

const tmp = tempDir('crop')
const shape: Shape3 = [21, 40, 50]
const value = (z: number, y: number, x: number): number => (z * 31 + y * 7 + x * 3) % 256
let spec: string

before(async () => {
  const root = join(tmp.dir, 'v.zarr')
  const w = new ZarrV3Writer(root)
  await w.group('', {})
  const arr = await w.array('v', { shape, chunks: [4, 16, 16], dtype: 'uint8', compression: 'zstd' })
  const all = new Uint8Array(shape[0] * shape[1] * shape[2])
  let i = 0
  for (let z = 0; z < shape[0]; z++)
    for (let y = 0; y < shape[1]; y++) for (let x = 0; x < shape[2]; x++) all[i++] = value(z, y, x)
  await arr.writeRegion(fullRegion(shape), all)
  spec = `${root}#v`
})
after(() => tmp.cleanup())

/** The volume, counting its reads and the z-planes they cover. */
function counted(v: Volume): { volume: Volume; reads: Region[] } {
  const reads: Region[] = []
  const volume = new Proxy(v, {
    get(target, key, receiver) {
      if (key === 'readRegion')
        return (r: Region, out?: Parameters<Volume['readRegion']>[1]) => {
          reads.push(r)
          return target.readRegion(r, out)
        }
      return Reflect.get(target, key, receiver) as unknown
    },
  })
  return { volume, reads }
}

test('crops at any step are the volume sampled from the box origin, each z-chunk layer read once', async () => {
  const v = await openVolume(spec)
  try {
    const cases: Array<{ center: Shape3; size: Shape3; step: number }> = [
      { center: [10, 20, 25], size: [48, 192, 192], step: 1 },
      { center: [3, 5, 47], size: [9, 11, 13], step: 1 },
      { center: [11, 30, 10], size: [15, 25, 30], step: 2 },
      { center: [10, 20, 25], size: [21, 40, 50], step: 3 },
      { center: [17, 39, 0], size: [20, 17, 23], step: 5 },
      { center: [0, 0, 0], size: [21, 40, 50], step: 9 },
    ]
    for (const c of cases) {
      const { volume, reads } = counted(v)
      const crop = await readCrop(volume, { ...c, window: 'probability' })
      const origin: number[] = []
      for (let a = 0; a < 3; a++) {
        const n = Math.min(c.size[a]!, shape[a]!)
        origin.push(Math.max(0, Math.min(shape[a]! - n, c.center[a]! - Math.floor(n / 2))))
        assert.equal(crop.dims[a], Math.ceil(n / c.step), `dims, axis ${a}`)
      }
      assert.deepEqual(crop.origin, origin)
      // uint8 under the probability window maps 0..255 onto itself: the voxels are the values.
      let i = 0
      for (let z = 0; z < crop.dims[0]; z++)
        for (let y = 0; y < crop.dims[1]; y++)
          for (let x = 0; x < crop.dims[2]; x++) {
            const want = value(origin[0]! + z * c.step, origin[1]! + y * c.step, origin[2]! + x * c.step)
            assert.equal(crop.voxels[i++], want, `step ${c.step}, voxel ${z},${y},${x}`)
          }
      const layers = new Set<number>()
      for (let z = 0; z < crop.dims[0]; z++) layers.add(Math.floor((origin[0]! + z * c.step) / 4))
      assert.equal(reads.length, layers.size, `step ${c.step}: one read per z-chunk layer`)
      for (const r of reads)
        assert.equal(Math.floor(r.z0 / 4), Math.floor((r.z1 - 1) / 4), 'within one layer')
    }
  } finally {
    v.close()
  }
})

test('readCrop with a range: the volume values given are 0 and 255 whatever the crop holds', async () => {
  const volume = await openVolume(spec)
  try {
    const crop = await readCrop(volume, { center: [10, 20, 25], size: [1, 4, 4], range: [0, 255] })
    assert.deepEqual([crop.low, crop.high], [0, 255])
    let i = 0
    for (let y = 18; y < 22; y++)
      for (let x = 23; x < 27; x++) assert.equal(crop.voxels[i++], value(10, y, x), `voxel ${y},${x} as is`)
    const narrow = await readCrop(volume, { center: [10, 20, 25], size: [1, 4, 4], range: [100, 200] })
    i = 0
    for (let y = 18; y < 22; y++)
      for (let x = 23; x < 27; x++) {
        const want = Math.max(0, Math.min(255, Math.round(((value(10, y, x) - 100) * 255) / 100)))
        assert.equal(narrow.voxels[i++], want, `voxel ${y},${x} through 100..200`)
      }
  } finally {
    volume.close()
  }
})

test('label tiles: ids as codes, 0 clear, 1..255 for any other id, never windowed', async () => {
  assert.deepEqual([0, 1, 255, 256, 300, 510, 511].map(labelCode), [0, 1, 255, 1, 45, 255, 1])
  const levels = await LevelledVolume.open(spec)
  try {
    const tile = await levels.tile({ level: 0, axis: 0, index: 3, box: [0, 0, 2, 5], window: 'label' })
    assert.deepEqual(tile.dims, [2, 5])
    let i = 0
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 5; x++) assert.equal(tile.voxels[i++], labelCode(value(3, y, x)))
  } finally {
    levels.close()
  }
})
