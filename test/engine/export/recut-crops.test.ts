/**
 * An export's crops show a corrected ROI as it now is: its patches cut again from the newest mask version
 * (the slice and the area follow the correction), every other ROI's rows exactly as proposed, and the
 * `crops` group naming the ROIs cut again.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { readCrops } from '../../../src-main/engine/export/crops.ts'
import { exportProject } from '../../../src-main/engine/export/index.ts'
import { saveMask } from '../../../src-main/engine/labels/index.ts'
import { proposalSet, readPatches, roisOf, type PatchSet } from '../../../src-main/engine/proposals/index.ts'
import { Project } from '../../../src-main/engine/store/index.ts'
import { boxSetProject } from '../../helpers/box-set.ts'
import { tempDir } from '../../helpers/peers.ts'

const tmp = tempDir('recut-crops')
after(() => tmp.cleanup())

function row(p: PatchSet, i: number) {
  const s2 = p.size * p.size
  const cut = <T extends { slice(a: number, b: number): T }>(a: T) => a.slice(i * s2, (i + 1) * s2)
  return {
    roi: p.roi[i],
    image: Array.from(cut(p.image)),
    mask: Array.from(cut(p.mask)),
    thumbImage: Array.from(cut(p.thumbImage)),
    thumbMask: Array.from(cut(p.thumbMask)),
    slice: p.slice[i],
    angle: p.angle[i],
    flipped: p.flipped[i],
  }
}

const area = (mask: number[]): number => mask.filter((v) => v !== 0).length

test("export: a corrected ROI's crops are cut again from its newest mask, the others' stay as proposed", async () => {
  const made = await boxSetProject(tmp.dir)
  const project = Project.open(made.project)
  try {
    const set = proposalSet(project)!
    const [roi, other] = roisOf(project, set.id)
    assert.ok(roi && other)
    const [nz, ny, nx] = [roi.z1 - roi.z0, roi.y1 - roi.y0, roi.x1 - roi.x0]
    // The correction: only the box's last z plane, and only its left half.
    const mask = new Uint8Array(nz * ny * nx)
    for (let y = 0; y < ny; y++) mask.fill(1, ((nz - 1) * ny + y) * nx, ((nz - 1) * ny + y) * nx + nx / 2)
    saveMask(project, set.id, roi.id, mask, 'ann')

    const proposed = await readPatches(join(project.dir, set.dir, 'patches.h5'))
    const at = Array.from(proposed.roi).indexOf(roi.id)
    const otherAt = Array.from(proposed.roi).indexOf(other.id)
    const before = row(proposed, at)
    assert.notEqual(before.slice, roi.z1 - 1, 'the proposal is cut from another slice than the correction')
    assert.equal(area(before.mask), ny * nx, "the proposal's mask: the cube's whole square")

    const out = join(tmp.dir, 'export')
    await exportProject({ project, out, format: 'zarr', set: set.id })
    const crops = await readCrops(join(out, 'export.zarr'), 'zarr')
    const after = row(crops, at)
    assert.equal(after.roi, roi.id)
    assert.equal(after.slice, roi.z1 - 1, 'cut from the only slice the corrected mask holds')
    const a = area(after.mask)
    assert.ok(Math.abs(a - (ny * nx) / 2) <= ny, `the corrected mask's half square: ${a} pixels`)
    assert.ok(area(after.thumbMask) > 0 && area(after.thumbMask) < area(before.thumbMask) * 2)
    assert.deepEqual(row(crops, otherAt), row(proposed, otherAt), 'an uncorrected ROI stays as proposed')
    const attrs = JSON.parse(readFileSync(join(out, 'export.zarr', 'crops', '.zattrs'), 'utf8')) as {
      recut_rois: number[]
    }
    assert.deepEqual(attrs.recut_rois, [roi.id])
    // patches.h5 is the proposal's, untouched.
    assert.deepEqual(row(await readPatches(join(project.dir, set.dir, 'patches.h5')), at), before)
  } finally {
    project.close()
  }
})
