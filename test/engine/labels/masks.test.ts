/**
 * Corrected ROI masks: each edit a new version, undo and redo as rows (never deleting), and the newest
 * version read by export (labels/corrected) and by fine-tuning's ROI windows.
 */
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { exportProject } from '../../../src-main/engine/export/index.ts'
import { RoiWindows } from '../../../src-main/engine/finetune/index.ts'
import {
  currentMask,
  currentMasks,
  maskHistory,
  maskState,
  saveMask,
  stepMask,
} from '../../../src-main/engine/labels/index.ts'
import { proposalSet, roisOf } from '../../../src-main/engine/proposals/index.ts'
import { Project } from '../../../src-main/engine/store/index.ts'
import { openVolume, type Shape3 } from '../../../src-main/engine/volume/index.ts'
import { boxSetProject } from '../../helpers/box-set.ts'
import { tempDir } from '../../helpers/peers.ts'
import { projectWithRoiSet } from '../../helpers/roi-set.ts'

const tmp = tempDir('masks')
after(() => tmp.cleanup())

test('mask versions: each edit stored whole; undo and redo add rows that name the current version', () => {
  const { project, set } = projectWithRoiSet(join(tmp.dir, 'rows'))
  try {
    // ROI 1's box is 2 x 2 x 2.
    const a = Uint8Array.of(1, 1, 1, 1, 0, 0, 0, 0)
    const b = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 1)
    const c = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 5)
    assert.deepEqual(maskState(project, set, 1), {
      roi: 1,
      version: null,
      versions: 0,
      canUndo: false,
      canRedo: false,
    })
    assert.throws(() => stepMask(project, set, 1, 'undo', 'ann'), /ROI 1: nothing to undo/)
    const s1 = saveMask(project, set, 1, a, 'ann')
    const s2 = saveMask(project, set, 1, b, 'ann')
    assert.deepEqual(currentMask(project, set, 1)?.mask, b)
    assert.deepEqual(currentMask(project, set, 1)?.box, [0, 0, 0, 2, 2, 2])
    assert.equal(s2.canRedo, false)
    const u1 = stepMask(project, set, 1, 'undo', 'ann')
    assert.equal(u1.version, s1.version, 'undo: back to the version the current one replaced')
    assert.deepEqual(currentMask(project, set, 1)?.mask, a)
    assert.equal(u1.canRedo, true)
    const r1 = stepMask(project, set, 1, 'redo', 'other')
    assert.equal(r1.version, s2.version)
    assert.deepEqual(currentMask(project, set, 1)?.mask, b)
    stepMask(project, set, 1, 'undo', 'ann')
    stepMask(project, set, 1, 'undo', 'ann')
    assert.equal(currentMask(project, set, 1), null, 'undone to the proposal own mask')
    assert.throws(() => stepMask(project, set, 1, 'undo', 'ann'), /nothing to undo/)
    // A new edit from the proposal's own mask: redo from there brings back the newest one made from it.
    const s3 = saveMask(project, set, 1, c, 'ann')
    assert.deepEqual(
      currentMask(project, set, 1)?.mask,
      Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1),
      'stored as 0/1',
    )
    stepMask(project, set, 1, 'undo', 'ann')
    assert.equal(stepMask(project, set, 1, 'redo', 'ann').version, s3.version)
    assert.deepEqual(
      maskHistory(project, set, 1).map((r) => [r.action, r.current]),
      [
        ['edit', s1.version],
        ['edit', s2.version],
        ['undo', s1.version],
        ['redo', s2.version],
        ['undo', s1.version],
        ['undo', null],
        ['edit', s3.version],
        ['undo', null],
        ['redo', s3.version],
      ],
      'every step a row, none deleted',
    )
    assert.equal(maskState(project, set, 1).versions, 3)
    assert.equal(maskHistory(project, set, 1)[3]!.annotator, 'other')
    assert.throws(
      () => saveMask(project, set, 1, new Uint8Array(7), 'ann'),
      /7 voxels does not cover its box/,
    )
    assert.throws(() => saveMask(project, set, 99, a, 'ann'), /ROI 99: not in proposal set/)
    assert.throws(() => saveMask(project, set, 1, a, 'bad name'), /annotator/)
    assert.deepEqual(
      currentMasks(project, set).map((m) => m.roi),
      [1],
    )
  } finally {
    project.close()
  }
})

test('export and fine-tuning read the newest version of a corrected mask', async () => {
  mkdirSync(join(tmp.dir, 'box'))
  const made = await boxSetProject(join(tmp.dir, 'box'))
  const project = Project.open(made.project)
  try {
    const set = proposalSet(project)!
    const roi = roisOf(project, set.id)[0]!
    const box = [roi.z0, roi.y0, roi.x0, roi.z1, roi.y1, roi.x1]
    const dims: Shape3 = [roi.z1 - roi.z0, roi.y1 - roi.y0, roi.x1 - roi.x0]
    // The corrected mask: only the box's first z plane, all of it.
    const mask = new Uint8Array(dims[0] * dims[1] * dims[2])
    mask.fill(1, 0, dims[1] * dims[2])
    saveMask(project, set.id, roi.id, mask, 'ann')

    const labelsSpec = `${join(project.dir, set.dir, 'labels.zarr')}#labels`
    const region = { z0: box[0]!, z1: box[3]!, y0: box[1]!, y1: box[4]!, x0: box[2]!, x1: box[5]! }
    const proposed = await openVolume(labelsSpec)
    const before = await proposed.readRegion(region)
    proposed.close()
    assert.ok(
      Array.from(before as Uint32Array).some((v, i) => v === roi.id && i >= dims[1] * dims[2]),
      'the proposal holds voxels past the first plane',
    )

    const out = join(tmp.dir, 'export')
    await exportProject({ project, out, format: 'zarr', set: set.id })
    const corrected = await openVolume(join(out, 'export.zarr#labels/corrected'))
    const instances = await openVolume(join(out, 'export.zarr#labels/instances'))
    try {
      const got = await corrected.readRegion(region)
      Array.from(got as Uint32Array).forEach((v, i) =>
        assert.equal(v === roi.id, mask[i] === 1, `corrected voxel ${i}: ${v}, mask ${mask[i]}`),
      )
      assert.deepEqual(await instances.readRegion(region), before, 'labels/instances stay as proposed')
      assert.deepEqual(corrected.attributes['corrected_masks'], [roi.id])
    } finally {
      corrected.close()
      instances.close()
    }

    // Fine-tuning's windows: the instance ids it learns from are the corrected ones.
    const windows = await RoiWindows.open({
      raw: set.raw!,
      labels: labelsSpec,
      masks: currentMasks(project, set.id),
      rois: [roi],
      verdicts: new Map([[roi.id, 'correct' as const]]),
      task: 'mito',
      window: dims,
      normalisation: { mean: 0, std: 1 },
    })
    try {
      const w = await windows.read(roi.id, [roi.z0, roi.y0, roi.x0])
      Array.from(w.instances).forEach((v, i) =>
        assert.equal(v === roi.id, mask[i] === 1, `window voxel ${i}`),
      )
    } finally {
      windows.close()
    }
  } finally {
    project.close()
  }
})
