import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { principalAxis } from '../../../src-main/engine/align/index.ts'
import { componentSizes, labelComponents } from '../../../src-main/engine/components/index.ts'
import { readPatches, roisOf, type Roi } from '../../../src-main/engine/proposals/index.ts'
import { Project } from '../../../src-main/engine/store/index.ts'
import { openVolume, type Shape3 } from '../../../src-main/engine/volume/index.ts'
import { cliJson, runCli } from '../../helpers/cli.ts'
import { mapProject, type MapProject } from '../../helpers/maps.ts'
import { needPython, runPython, tempDir } from '../../helpers/peers.ts'

const tmp = tempDir('proposals')
const shape: Shape3 = [24, 160, 160]
let m: MapProject

interface Result {
  set: number
  count: number
  labels: string
  patches: string
  csv: string
  params: Record<string, unknown>
}

function rois(set: number): Roi[] {
  const p = Project.open(m.project)
  try {
    return roisOf(p, set)
  } finally {
    p.close()
  }
}

describe('activeem proposals: probability map -> ROI table, polarity, aligned patches', () => {
  before(async () => {
    m = await mapProject(tmp.dir, shape, 3)
  })
  after(() => tmp.cleanup())

  test('mitochondria: one ROI per object of the map, the same in SQLite, CSV, labels and patches', async () => {
    const r = cliJson<Result>(['proposals', '--project', m.project, '--task', 'mito'])
    // The reference: whole-volume labeling of the same mask, objects of 128 voxels and more.
    const mask = Uint8Array.from(m.volume.mito, (v) => (v !== 0 ? 1 : 0))
    const whole = labelComponents(mask, shape, 26)
    const sizes = componentSizes(whole.labels, whole.count)
    const expected = [...sizes.keys()].filter((l) => l > 0 && sizes[l]! >= 128)
    assert.ok(expected.length > 10, `${expected.length} mitochondria`)
    assert.equal(r.count, expected.length)
    assert.deepEqual(r.params.minSize, 128)

    const table = rois(r.set)
    assert.equal(table.length, r.count)
    assert.deepEqual(
      table.map((t) => t.voxels),
      expected.map((l) => sizes[l]!),
    )
    const csv = readFileSync(r.csv, 'utf8').trim().split('\n')
    assert.equal(csv[0], 'id,z0,y0,x0,z1,y1,x1,voxels,cz,cy,cx,mean_p,max_p')
    assert.equal(csv.length, r.count + 1)
    assert.deepEqual(csv[1]!.split(',').slice(0, 8).map(Number), [
      table[0]!.id,
      table[0]!.z0,
      table[0]!.y0,
      table[0]!.x0,
      table[0]!.z1,
      table[0]!.y1,
      table[0]!.x1,
      table[0]!.voxels,
    ])
    for (const t of table) {
      assert.ok(Math.abs(t.mean - 0.9) < 1e-6 && Math.abs(t.max - 0.9) < 1e-6, 'mean and max probability')
      assert.equal(t.polarity, null)
      assert.ok(t.alignment && t.alignment.slice >= t.z0 && t.alignment.slice < t.z1)
    }

    // The label volume holds each ROI under its id, voxel for voxel.
    const labels = await openVolume(r.labels)
    const values = (await labels.readRegion({
      z0: 0,
      z1: shape[0],
      y0: 0,
      y1: shape[1],
      x0: 0,
      x1: shape[2],
    })) as Uint32Array
    labels.close()
    const ours = componentSizes(values, r.count)
    assert.deepEqual(
      Array.from(ours.subarray(1)),
      table.map((t) => t.voxels),
    )

    // Patches: one row per ROI; the centre pixel lies on the object; elongated ones come out vertical.
    const p = await readPatches(r.patches)
    assert.equal(p.size, 64)
    assert.deepEqual(
      Array.from(p.roi),
      table.map((t) => t.id),
    )
    assert.ok(p.image instanceof Uint8Array, 'uint8 raw gives uint8 patches')
    let elongated = 0
    for (let i = 0; i < r.count; i++) {
      const mask2d = p.mask.subarray(i * 64 * 64, (i + 1) * 64 * 64)
      assert.ok(mask2d.every((v) => v === 0 || v === 1))
      const axis = principalAxis(Uint8Array.from(mask2d), 64, 64)!
      if (axis.major > 2 * axis.minor) {
        elongated++
        const fromVertical = Math.abs((axis.angleRad * 180) / Math.PI)
        assert.ok(fromVertical <= 3, `ROI ${p.roi[i]} is ${fromVertical.toFixed(1)} degrees from vertical`)
      }
      // The patch is cut from the raw image: its centre row equals the raw around the centroid.
      const image = p.image.subarray(i * 64 * 64, (i + 1) * 64 * 64)
      assert.ok(new Set(image).size > 20, 'image patch has texture')
    }
    assert.ok(elongated >= 5, `${elongated} elongated mitochondria checked`)
  })

  test('synapses: pre/post sides and their direction match the ground truth; pre lies left in the patch', async () => {
    const r = cliJson<Result>(['proposals', '--project', m.project, '--task', 'synapse'])
    assert.equal(r.count, m.volume.synapses.length)
    const table = rois(r.set)
    const header = readFileSync(r.csv, 'utf8').split('\n')[0]!
    assert.match(
      header,
      /,pre_voxels,pre_cz,pre_cy,pre_cx,post_voxels,post_cz,post_cy,post_cx,dir_z,dir_y,dir_x$/,
    )
    let matched = 0
    for (const roi of table) {
      const pol = roi.polarity!
      assert.ok(pol.preVoxels > 0 && pol.postVoxels > 0, `ROI ${roi.id} has both sides`)
      // The synapse whose cleft centre is inside this ROI's box.
      const syn = m.volume.synapses.find(
        (s) =>
          s.center[0] >= roi.z0 &&
          s.center[0] < roi.z1 &&
          s.center[1] >= roi.y0 &&
          s.center[1] < roi.y1 &&
          s.center[2] >= roi.x0 &&
          s.center[2] < roi.x1,
      )
      if (!syn) continue
      matched++
      // The generator's normal is in physical units (z 4x coarser); ours in voxels.
      const d = [pol.direction![0] * 4, pol.direction![1], pol.direction![2]]
      const n = Math.hypot(...d)
      const cos = (d[0]! * syn.normal[0] + d[1]! * syn.normal[1] + d[2]! * syn.normal[2]) / n
      assert.ok(
        cos > 0.9,
        `ROI ${roi.id}: pre->post direction off the synapse normal (cos ${cos.toFixed(3)})`,
      )
    }
    assert.ok(matched >= table.length - 2, `${matched} of ${table.length} ROIs matched a synapse`)

    // The pre-left rule holds in every aligned mask patch (+1 pre, -1 post). These synthetic synapses
    // are nearly round, so how far left varies; align.test.ts checks the rule on elongated ones.
    const p = await readPatches(r.patches)
    for (let i = 0; i < r.count; i++) {
      const mask2d = p.mask.subarray(i * 64 * 64, (i + 1) * 64 * 64)
      const side = (v: number): number => {
        let sum = 0
        let n = 0
        mask2d.forEach((m, k) => {
          if (m === v) {
            sum += k % 64
            n++
          }
        })
        return sum / n
      }
      assert.ok(side(1) <= side(-1), `ROI ${p.roi[i]}: pre at x ${side(1)}, post at x ${side(-1)}`)
    }
  })

  test('the patches file opens in h5py with the stated shapes and dtypes', (t) => {
    if (!needPython(t, ['h5py', 'numpy'])) return
    const r = cliJson<Result>(['proposals', '--project', m.project, '--task', 'mito', '--patch', '48'])
    const out = JSON.parse(
      runPython(
        `
import h5py, json, sys
with h5py.File(sys.argv[1], 'r') as f:
    print(json.dumps({k: [list(f[k].shape), f[k].dtype.str] for k in f.keys()}))
`,
        [r.patches],
      ),
    ) as Record<string, [number[], string]>
    const n = r.count
    assert.deepEqual(out, {
      angle: [[n], '<f4'],
      flipped: [[n], '|u1'],
      image: [[n, 48, 48], '|u1'],
      mask: [[n, 48, 48], '|i1'],
      roi: [[n], '<u4'],
      slice: [[n], '<i4'],
      thumb_image: [[n, 48, 48], '|u1'],
      thumb_mask: [[n, 48, 48], '|i1'],
    })
  })

  test('bad input: exit 2, one line, nothing recorded', () => {
    const setsBefore = readdirSync(join(m.project, 'proposals')).sort()
    const bad = (args: string[], mention: RegExp): void => {
      const r = runCli(['proposals', '--project', m.project, ...args])
      assert.equal(r.code, 2, r.stderr)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
      assert.match(r.stderr, mention)
    }
    bad(
      ['--task', 'synapse', '--threshold', '1.5'],
      /--threshold: expected a probability in \(0, 1\), got 1.5/,
    )
    bad(
      ['--task', 'mito', '--map', 'nowhere.zarr'],
      /--map nowhere.zarr: not a probability map of this project/,
    )
    bad(['--task', 'mito', '--raw', `${join(tmp.dir, 'data', 'synthetic.h5')}#labels/nothing`], /nothing/)
    bad(['--task', 'cells'], /--task: expected one of synapse, mito, got 'cells'/)
    assert.deepEqual(readdirSync(join(m.project, 'proposals')).sort(), setsBefore)
    const empty = join(tmp.dir, 'empty-project')
    cliJson(['project', 'init', empty])
    const r = runCli(['proposals', '--project', empty, '--task', 'mito'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /no mito probability map .*run 'activeem predict'/)
  })

  test('a staging folder left by a killed run is removed by the next run', () => {
    const stale = join(m.project, 'proposals', '.partial-999999999')
    mkdirSync(join(stale, 'labels.zarr'), { recursive: true })
    cliJson<Result>(['proposals', '--project', m.project, '--task', 'mito', '--min-size', '1000000'])
    assert.equal(existsSync(stale), false)
    assert.deepEqual(
      readdirSync(join(m.project, 'proposals')).filter((n) => n.startsWith('.')),
      [],
    )
  })
})
