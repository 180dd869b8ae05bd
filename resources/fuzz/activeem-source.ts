import { join, relative } from 'node:path'
import { ZarrV3Writer } from '../../src-main/engine/volume/index.ts'
import { chunkBox, listFiles, voxels, writeNpy } from './files.ts'
import type { Box, Source } from './manifest.ts'
import { Rng } from './rng.ts'

/** A Zarr v3 store written the way ActiveEM writes its maps (ZarrV3Writer, zstd), one chunk left unwritten. */
export async function writeActiveemSource(root: string, seed: number): Promise<Source> {
  const name = 'z3_activeem'
  const store = join(root, `${name}.zarr`)
  const shape = [12, 40, 36]
  const chunks = [4, 16, 16]
  const rng = new Rng(seed, name)
  const data = new Uint16Array(voxels(shape)).map(() => rng.int(0, 65535))
  const writer = new ZarrV3Writer(store)
  await writer.group('', { source: 'fuzz' })
  const arr = await writer.array('pred', { shape: [12, 40, 36], chunks: [4, 16, 16], dtype: 'uint16' })
  const skip = '1,1,0'
  const missing: Box[] = []
  const truth = new Uint16Array(data)
  for (let z = 0; z < 3; z++)
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 3; x++) {
        const box = chunkBox([z, y, x], chunks)
        const clip = [
          box[0],
          Math.min(box[1], 12),
          box[2],
          Math.min(box[3], 40),
          box[4],
          Math.min(box[5], 36),
        ]
        const [z0, z1, y0, y1, x0, x1] = clip as Box
        if (`${z},${y},${x}` === skip) {
          missing.push(box)
          for (let k = z0; k < z1; k++)
            for (let j = y0; j < y1; j++) truth.fill(0, (k * 40 + j) * 36 + x0, (k * 40 + j) * 36 + x1)
          continue
        }
        const block = new Uint16Array((z1 - z0) * (y1 - y0) * (x1 - x0))
        let n = 0
        for (let k = z0; k < z1; k++)
          for (let j = y0; j < y1; j++)
            for (let i = x0; i < x1; i++) block[n++] = data[(k * 40 + j) * 36 + i]!
        await arr.writeRegion({ z0, z1, y0, y1, x0, x1 }, block)
      }
  const truthPath = join('truth', `${name}.zarr`, 'pred.npy')
  writeNpy(join(root, truthPath), '<u2', shape, new Uint8Array(truth.buffer))
  const chunkFiles = listFiles(join(store, 'pred', 'c')).map((f) => {
    const index = relative(join(store, 'pred', 'c'), f)
      .split('/')
      .map(Number)
    return { key: relative(store, f), box: chunkBox(index, chunks), inner: null }
  })
  return {
    id: name,
    format: 'zarr3',
    path: `${name}.zarr`,
    targets: ['pred'],
    arrays: {
      pred: {
        shape,
        dtype: 'uint16',
        chunks,
        fill: 0,
        dir: 'pred',
        meta: 'pred/zarr.json',
        codecs: ['bytes', 'zstd'],
        chunkFiles,
        missing,
        truth: truthPath,
        sharded: false,
      },
    },
    allArrays: ['pred'],
    rootIsArray: false,
  }
}
