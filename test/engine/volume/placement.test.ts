import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { after, test } from 'node:test'
import {
  absoluteSpecOf,
  fullRegion,
  offsetIn,
  openVolume,
  PlacedVolume,
  placeOfSpec,
  ZarrV3Writer,
} from '../../../src-main/engine/volume/index.ts'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-placement-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

test('placeOfSpec: the array however it is typed, and where its box starts', () => {
  const file = join(tmp, 'a.h5')
  writeFileSync(file, '')
  const typed = `${relative(process.cwd(), file)}#/raw/[0:4, :, 256:512]`
  assert.deepEqual(placeOfSpec(typed), {
    array: `${file}#raw`,
    origin: [0, 0, 256],
    box: '[0:4, :, 256:512]',
  })
  assert.deepEqual(placeOfSpec(`${file}#raw`), { array: `${file}#raw`, origin: [0, 0, 0], box: '' })
  assert.equal(absoluteSpecOf(typed), `${file}#raw[0:4, :, 256:512]`)
  // A file that is gone still names its array.
  assert.equal(placeOfSpec('/gone/b.h5#x[:,3:,:]').array, '/gone/b.h5#x')
})

test('offsetIn: a box in its whole array or another box of it; null for any other array', () => {
  const file = join(tmp, 'a.h5')
  assert.deepEqual(offsetIn(`${file}#raw[2:4,:,256:512]`, `${file}#raw`), [2, 0, 256])
  assert.deepEqual(offsetIn(`${file}#raw[2:4,:,256:512]`, `${file}#/raw[0:8,10:,200:]`), [2, -10, 56])
  assert.deepEqual(offsetIn(`${file}#raw`, `${file}#raw`), [0, 0, 0])
  assert.equal(offsetIn(`${file}#raw[2:4,:,:]`, `${file}#labels`), null)
  assert.equal(offsetIn(`${file}#raw`, join(tmp, 'b.h5#raw')), null)
})

test('PlacedVolume: the inner volume at its offset, zeros around it, into a given buffer too', async () => {
  const store = join(tmp, 'inner.zarr')
  const writer = new ZarrV3Writer(store)
  await writer.group('', {})
  const arr = await writer.array('v', { shape: [2, 3, 4], chunks: [1, 2, 2], dtype: 'uint16' })
  await arr.writeRegion(
    fullRegion([2, 3, 4]),
    Uint16Array.from({ length: 24 }, (_, i) => i + 1),
  )
  const placed = new PlacedVolume(await openVolume(`${store}#v`), [1, 2, 3], [4, 6, 8])
  try {
    const all = await placed.readRegion(fullRegion([4, 6, 8]))
    for (let z = 0, i = 0; z < 4; z++)
      for (let y = 0; y < 6; y++)
        for (let x = 0; x < 8; x++, i++) {
          const [iz, iy, ix] = [z - 1, y - 2, x - 3]
          const inside = iz >= 0 && iz < 2 && iy >= 0 && iy < 3 && ix >= 0 && ix < 4
          assert.equal(all[i], inside ? (iz * 3 + iy) * 4 + ix + 1 : 0, `voxel ${z},${y},${x}`)
        }
    const out = new Uint16Array(2 * 2 * 2).fill(9)
    await placed.readRegion({ z0: 0, z1: 2, y0: 3, y1: 5, x0: 6, x1: 8 }, out)
    assert.deepEqual([...out], [0, 0, 0, 0, 8, 0, 12, 0], 'a region across the edge, the rest zeroed')
    await assert.rejects(placed.readRegion({ z0: 0, z1: 5, y0: 0, y1: 1, x0: 0, x1: 1 }), /outside|out of/)
  } finally {
    placed.close()
  }
})
