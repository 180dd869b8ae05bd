import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  proposalSet,
  readPatches,
  roisOf,
  runProposals,
  sliceThumbs,
  type Roi,
  type SliceThumbSource,
} from '../../../src-main/engine/proposals/index.ts'
import { Project } from '../../../src-main/engine/store/index.ts'
import { mapProject } from '../../helpers/maps.ts'
import { scopedTempDir } from '../../helpers/peers.ts'
import { SLICE_SET_CUBES, SLICE_SET_SHAPE, sliceGrey, sliceSetProject } from '../../helpers/slice-set.ts'

const tmp = scopedTempDir('slice-thumbs')

/** The set's ROIs, its stored patches and where its other slices are cut from. */
async function setOf(dir: string, setId: number, sides: boolean) {
  const project = Project.open(dir)
  try {
    const set = proposalSet(project, setId)!
    const setDir = join(project.dir, set.dir)
    const patches = await readPatches(join(setDir, 'patches.h5'))
    const source: SliceThumbSource = {
      raw: set.raw!,
      labels: `${join(setDir, 'labels.zarr')}#labels`,
      sides: sides ? { pre: `${set.map}#pre`, post: `${set.map}#post`, threshold: 0.5 } : null,
      size: patches.size,
      scale: 1,
    }
    return { rois: roisOf(project, setId), patches, source }
  } finally {
    project.close()
  }
}

const withSlice = (rois: Roi[], slices: Int32Array) => rois.map((r, row) => ({ ...r, slice: slices[row]! }))

test('slice thumbnails: offset 0 is the stored thumbnail; z-1 and z+1 show their own slice, clamped to the volume', async () => {
  const made = await sliceSetProject(mkdirSync(join(tmp.dir, 'slices'), { recursive: true })!)
  const { rois, patches, source } = await setOf(made.dir, made.setId, false)
  assert.equal(rois.length, SLICE_SET_CUBES.length)
  const area = patches.size * patches.size
  const wanted = withSlice(rois, patches.slice)
  const [below, own, above] = await Promise.all([-1, 0, 1].map((dz) => sliceThumbs(source, wanted, dz)))
  for (const [row, roi] of rois.entries()) {
    const slice = patches.slice[row]!
    const stored = patches.thumbImage.subarray(row * area, (row + 1) * area)
    assert.deepEqual(own![row]!.image, stored, `ROI ${roi.id}: the stored thumbnail's image`)
    assert.deepEqual(own![row]!.mask, patches.thumbMask.subarray(row * area, (row + 1) * area))
    const expectedZ = [Math.max(0, slice - 1), slice, Math.min(SLICE_SET_SHAPE[0] - 1, slice + 1)]
    for (const [k, thumbs] of [below!, own!, above!].entries()) {
      const t = thumbs[row]!
      assert.equal(t.roi, roi.id)
      assert.equal(t.z, expectedZ[k], `ROI ${roi.id} at ${k - 1}`)
      assert.ok(
        t.image.every((v) => v === sliceGrey(t.z)),
        `ROI ${roi.id}, z ${t.z}: every pixel is slice ${t.z}'s grey`,
      )
      // The mask is the ROI's voxels on that slice: the same square where the cube goes on, none beyond it.
      const inside = t.z >= roi.z0 && t.z < roi.z1
      if (inside) assert.deepEqual(t.mask, own![row]!.mask, `ROI ${roi.id}, z ${t.z}: the cube's square`)
      else
        assert.ok(
          t.mask.every((v) => v === 0),
          `ROI ${roi.id}, z ${t.z}: outside the ROI`,
        )
    }
  }
  // One ROI lies on slice 0 alone, one on the last slice alone: both clamp.
  const first = rois.findIndex((r) => r.z1 === 1)
  const last = rois.findIndex((r) => r.z0 === SLICE_SET_SHAPE[0] - 1)
  assert.deepEqual(
    [first, last].flatMap((row) => [below![row]!.z, own![row]!.z, above![row]!.z]),
    [0, 0, 1, 8, 9, 9],
  )
})

test('slice thumbnails of synapses: offset 0 is the stored thumbnail, pre and post sides included', async () => {
  const m = await mapProject(join(tmp.dir, 'synapses'), [16, 128, 128], 5)
  const project = Project.open(m.project)
  let setId: number
  try {
    setId = (await runProposals({ project, task: 'synapse' })).set.id
  } finally {
    project.close()
  }
  const { rois, patches, source } = await setOf(m.project, setId, true)
  assert.ok(rois.length >= 2, `${rois.length} synapses`)
  const area = patches.size * patches.size
  const own = await sliceThumbs(source, withSlice(rois, patches.slice), 0)
  let sides = 0
  for (const [row, roi] of rois.entries()) {
    assert.deepEqual(
      own[row]!.image,
      patches.thumbImage.subarray(row * area, (row + 1) * area),
      `ROI ${roi.id}`,
    )
    const mask = patches.thumbMask.subarray(row * area, (row + 1) * area)
    assert.deepEqual(own[row]!.mask, mask, `ROI ${roi.id}: the stored mask`)
    if (mask.includes(1) && mask.includes(-1)) sides++
  }
  assert.ok(sides >= 1, `${sides} thumbnails with both sides`)
})
