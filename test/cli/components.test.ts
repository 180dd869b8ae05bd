import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { componentSizes, labelComponents } from '../../src-main/engine/components/index.ts'
import { createRng } from '../../src-main/engine/random.ts'
import { fullRegion, openVolume, ZarrV3Writer, type Shape3 } from '../../src-main/engine/volume/index.ts'
import { cliJson } from '../helpers/cli.ts'
import { scopedTempDir } from '../helpers/peers.ts'

const tmp = scopedTempDir('components-cli')

test('activeem components: summary, rois.csv and the label volume agree with whole-volume labeling', async () => {
  const shape: Shape3 = [12, 40, 44]
  const rng = createRng(5)
  // A probability-like map: smooth blobs above 0.5 in a noisy background below it.
  const values = new Float32Array(shape[0] * shape[1] * shape[2])
  const centres = Array.from({ length: 25 }, () => [rng.range(0, 12), rng.range(0, 40), rng.range(0, 44)])
  let i = 0
  for (let z = 0; z < shape[0]; z++)
    for (let y = 0; y < shape[1]; y++)
      for (let x = 0; x < shape[2]; x++, i++) {
        let v = rng.next() * 0.4
        for (const [cz, cy, cx] of centres)
          if (((z - cz!) / 2) ** 2 + ((y - cy!) / 4) ** 2 + ((x - cx!) / 5) ** 2 < 1)
            v = 0.6 + rng.next() * 0.4
        values[i] = v
      }
  const store = join(tmp.dir, 'map.zarr')
  const arr = await new ZarrV3Writer(store).array('p', { shape, chunks: [4, 16, 16], dtype: 'float32' })
  await arr.writeRegion(fullRegion(shape), values)

  const csv = join(tmp.dir, 'rois.csv')
  const r = cliJson<{
    count: number
    voxels: number
    seconds: number
    threshold: number
    blocks: number
    peakRssMB: number
  }>([
    'components',
    `${store}#p`,
    '--connectivity',
    '18',
    '--min-size',
    '3',
    '--block-shape',
    '4,16,16',
    '--out',
    csv,
    '--labels-out',
    `${join(tmp.dir, 'out.zarr')}#cc`,
  ])
  const whole = labelComponents(
    Uint8Array.from(values, (v) => (v > 0.5 ? 1 : 0)),
    shape,
    18,
  )
  const sizes = componentSizes(whole.labels, whole.count)
  const kept = [...sizes.keys()].filter((l) => l > 0 && sizes[l]! >= 3)
  assert.ok(kept.length > 5)
  assert.equal(r.count, kept.length)
  assert.equal(r.threshold, 0.5)
  assert.equal(r.blocks, 3 * 3 * 3)
  assert.equal(
    r.voxels,
    kept.reduce((a, l) => a + sizes[l]!, 0),
  )
  assert.ok(r.seconds > 0 && r.peakRssMB > 0)

  const lines = readFileSync(csv, 'utf8').trim().split('\n')
  assert.equal(lines[0], 'id,z0,y0,x0,z1,y1,x1,voxels,cz,cy,cx')
  assert.equal(lines.length, r.count + 1)
  const rows = lines.slice(1).map((l) => l.split(',').map(Number))
  assert.deepEqual(
    rows.map((row) => row[7]),
    kept.map((l) => sizes[l]),
  )

  const labels = await openVolume(`${join(tmp.dir, 'out.zarr')}#cc`)
  const written = (await labels.readRegion(fullRegion(shape))) as Uint32Array
  labels.close()
  assert.equal(labels.dtype, 'uint32')
  const renumber = new Uint32Array(whole.count + 1)
  kept.forEach((l, k) => (renumber[l] = k + 1))
  assert.deepEqual(
    written,
    whole.labels.map((l) => renumber[l]!),
  )
  // Each row's box and centroid describe the voxels carrying its id.
  for (const [id, z0, y0, x0, z1, y1, x1, , cz, cy, cx] of rows) {
    let n = 0
    const sum = [0, 0, 0]
    let inside = true
    written.forEach((l, k) => {
      if (l !== id) return
      const z = Math.floor(k / (40 * 44))
      const y = Math.floor(k / 44) % 40
      const x = k % 44
      n++
      sum[0]! += z
      sum[1]! += y
      sum[2]! += x
      if (z < z0! || z >= z1! || y < y0! || y >= y1! || x < x0! || x >= x1!) inside = false
    })
    assert.ok(inside && n > 0, `ROI ${id} inside its box`)
    assert.ok(
      Math.abs(sum[0]! / n - cz!) < 1e-3 &&
        Math.abs(sum[1]! / n - cy!) < 1e-3 &&
        Math.abs(sum[2]! / n - cx!) < 1e-3,
    )
  }
})
