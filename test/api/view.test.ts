import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { dispatch } from '../../src-main/api/handlers.ts'
import { openVolume } from '../../src-main/engine/volume/index.ts'
import type { ApiMethod, ApiParams, ApiResult } from '../../src-shared/contract.ts'
import { blockValue, voxelValue, writeBigImage } from '../../src-main/cli/bench/viewer-pan.ts'
import { cliJson } from '../helpers/cli.ts'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-api-view-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

let raw = ''
before(() => {
  const synth = cliJson<{ hdf5: string }>(['synth', '--out', join(tmp, 'data'), '--shape', '20,70,90'])
  raw = `${synth.hdf5}#raw`
})

let nextId = 1
async function call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
  const reply = await dispatch({ id: nextId++, method, params }, { transport: 'web', project: null })
  if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`)
  return reply.result as ApiResult<M>
}

async function failure(method: ApiMethod, params: unknown): Promise<string> {
  const reply = await dispatch({ id: nextId++, method, params }, { transport: 'web', project: null })
  assert.equal(reply.ok, false)
  return reply.ok ? '' : `${reply.error.code}: ${reply.error.message}`
}

test('volume.crop reads the box around the centre at the step, exactly, and clips it at the border', async () => {
  const volume = await openVolume(raw)
  const all = (await volume.readRegion({ z0: 0, z1: 20, y0: 0, y1: 70, x0: 0, x1: 90 })) as Uint8Array
  volume.close()
  // The probability window maps integers 0..255 to themselves: the voxels must be the stored values.
  const crop = await call('volume.crop', {
    spec: raw,
    center: [18, 5, 60],
    size: [8, 30, 40],
    step: 3,
    window: 'probability',
  })
  assert.deepEqual(crop.shape, [20, 70, 90])
  assert.deepEqual(crop.origin, [12, 0, 40], 'the box is moved inside the volume, not cut')
  assert.deepEqual(crop.dims, [3, 10, 14])
  const voxels = Buffer.from(crop.voxels, 'base64')
  assert.equal(voxels.length, 3 * 10 * 14)
  let i = 0
  for (let z = 12; z < 20; z += 3)
    for (let y = 0; y < 30; y += 3)
      for (let x = 40; x < 80; x += 3)
        assert.equal(voxels[i++], all[(z * 70 + y) * 90 + x], `voxel ${z},${y},${x}`)

  // The image window spreads the box's own 0.5-99.5 percentiles over 0..255.
  const image = await call('volume.crop', { spec: raw })
  assert.deepEqual(image.dims, [20, 70, 90], 'the default box is larger than this volume: all of it')
  const grey = Buffer.from(image.voxels, 'base64')
  assert.ok(image.low < image.high)
  assert.equal(
    grey.reduce((m, v) => Math.min(m, v), 255),
    0,
  )
  assert.equal(
    grey.reduce((m, v) => Math.max(m, v), 0),
    255,
  )
})

test('volume.crop refuses what it cannot show, with the reason', async () => {
  assert.match(
    await failure('volume.crop', { spec: raw, center: [20, 0, 0] }),
    /bad-input: .*centre 20,0,0 is outside the volume \(shape 20 x 70 x 90\)/,
  )
  assert.match(
    await failure('volume.crop', { spec: raw, size: [0, 10, 10] }),
    /bad-request: volume.crop: invalid params at 'size.0'/,
  )
  assert.match(
    await failure('volume.crop', { spec: join(tmp, 'missing.h5#raw') }),
    /bad-input: .*missing\.h5/,
  )
})

test('project.addVolume adds a dataset with its role and voxel size; a duplicate name is refused', async () => {
  const dir = join(tmp, 'project')
  cliJson(['project', 'init', dir])
  const added = await call('project.addVolume', { dir, spec: raw, role: 'raw', voxelSizeNm: [40, 4, 4] })
  assert.equal(added.role, 'raw')
  assert.deepEqual(added.shape, [20, 70, 90])
  assert.deepEqual(added.voxelSizeNm, [40, 4, 4])
  const shown = await call('project.show', { dir })
  assert.deepEqual(
    shown.volumes.map((v) => v.name),
    [added.name],
  )
  assert.match(await failure('project.addVolume', { dir, spec: raw, role: 'raw' }), /already in the project/)
  assert.match(await failure('project.addVolume', { dir, spec: raw, role: 'image' }), /bad-request: .*'role'/)
  assert.equal((await call('project.show', { dir })).volumes.length, 1, 'nothing added by the refused calls')
  assert.equal(await call('rois.list', { dir }), null, 'no proposal set yet')
  assert.equal(await call('round.get', { dir }), null, 'no round yet')
})

test('ui.state keeps what each screen remembers in the project folder', async () => {
  const dir = join(tmp, 'ui')
  cliJson(['project', 'init', dir])
  assert.deepEqual(await call('ui.state.get', { dir }), {})
  await call('ui.state.set', { dir, key: 'viewer', value: { focus: [1, 2, 3], overlay: true } })
  await call('ui.state.set', { dir, key: 'grid', value: { filter: 'unlabelled' } })
  await call('ui.state.set', { dir, key: 'viewer', value: { focus: [4, 5, 6], overlay: false } })
  assert.deepEqual(await call('ui.state.get', { dir }), {
    viewer: { focus: [4, 5, 6], overlay: false },
    grid: { filter: 'unlabelled' },
  })
  assert.match(await failure('ui.state.set', { dir, key: '../x', value: 1 }), /bad-request: .*'key'/)
  assert.match(
    await failure('ui.state.set', { dir, key: 'big', value: 'x'.repeat(70_000) }),
    /bad-input: .*at most 65536/,
  )
  assert.match(
    await failure('ui.state.get', { dir: join(tmp, 'nothing') }),
    /bad-input: .*no such project folder/,
  )
})

test('project.create makes a new project; an existing project or a non-empty folder is refused', async () => {
  const dir = join(tmp, 'created')
  const made = await call('project.create', { dir, name: 'from the window' })
  assert.equal(made.name, 'from the window')
  assert.deepEqual(made.volumes, [])
  assert.equal((await call('project.show', { dir })).name, 'from the window')
  assert.match(await failure('project.create', { dir }), /bad-input: .*already an ActiveEM project/)
  assert.match(
    await failure('project.create', { dir: join(tmp, 'data') }),
    /bad-input: .*folder is not empty/,
  )
})

test('volume.levels and volume.tile: a pyramid by its levels, any other volume by level 0 at a stride', async () => {
  const n = 1024
  const plain = writeBigImage(join(tmp, 'big.zarr'), n)
  const group = join(tmp, 'big-pyramid.zarr')
  cliJson(['pyramid', plain, '--out', group])
  const levels = await call('volume.levels', { spec: group })
  assert.deepEqual(
    levels.levels.map((l) => [l.shape, l.factor, l.tile, l.strided]),
    [
      [[1, 1024, 1024], [1, 1, 1], [1, 256, 256], false],
      [[1, 512, 512], [1, 2, 2], [1, 256, 256], false],
      [[1, 256, 256], [1, 4, 4], [1, 256, 256], false],
    ],
  )
  // Level 0 named by itself, as a project records an OME-Zarr group, has the same levels.
  assert.deepEqual((await call('volume.levels', { spec: `${group}#0` })).levels, levels.levels)
  const grey = (v: number) =>
    Math.max(0, Math.min(255, Math.round(((v - levels.low) * 255) / (levels.high - levels.low))))
  const tileOf = async (spec: string, level: number, axis: 0 | 1 | 2, index: number, box: number[]) => {
    const t = await call('volume.tile', {
      spec,
      level,
      axis,
      index,
      box: box as [number, number, number, number],
      window: 'image',
    })
    return { dims: t.dims, voxels: Buffer.from(t.voxels, 'base64') }
  }
  // Level 1 is the mean of 2 x 2 voxels: the blocks' greys without the checker, exactly.
  const coarse = await tileOf(group, 1, 0, 0, [256, 0, 512, 256])
  assert.deepEqual(coarse.dims, [256, 256])
  for (let r = 0; r < 256; r += 17)
    for (let c = 0; c < 256; c += 13)
      assert.equal(
        coarse.voxels[r * 256 + c],
        grey(blockValue((256 + r) * 2, c * 2, n)),
        `level 1 at ${r},${c}`,
      )
  const fine = await tileOf(group, 0, 0, 0, [0, 256, 256, 512])
  for (let r = 0; r < 256; r += 7)
    for (let c = 0; c < 256; c += 5)
      assert.equal(fine.voxels[r * 256 + c], grey(voxelValue(r, 256 + c, n)), `level 0 at ${r},${c}`)
  // A yz tile: rows along z (one), columns along y.
  const yz = await tileOf(group, 0, 2, 3, [0, 0, 1, 256])
  assert.deepEqual(yz.dims, [1, 256])
  for (let c = 0; c < 256; c++) assert.equal(yz.voxels[c], grey(voxelValue(c, 3, n)))

  // Without a pyramid: level 0 at strides 2, 4 and 8, every f-th voxel.
  const strided = await call('volume.levels', { spec: plain })
  assert.deepEqual(
    strided.levels.map((l) => [l.factor, l.strided]),
    [
      [[1, 1, 1], false],
      [[1, 2, 2], true],
      [[1, 4, 4], true],
      [[1, 8, 8], true],
    ],
  )
  const g2 = (v: number) =>
    Math.max(0, Math.min(255, Math.round(((v - strided.low) * 255) / (strided.high - strided.low))))
  const every4 = await tileOf(plain, 2, 0, 0, [0, 0, 256, 256])
  for (let r = 0; r < 256; r += 11)
    for (let c = 0; c < 256; c += 3) assert.equal(every4.voxels[r * 256 + c], g2(voxelValue(r * 4, c * 4, n)))

  // The 3D view's whole-volume read: a crop of a level, with its factor.
  const whole = await call('volume.crop', { spec: group, level: 2, size: [1, 256, 256] })
  assert.deepEqual(
    [whole.dims, whole.origin, whole.factor, whole.shape],
    [
      [1, 256, 256],
      [0, 0, 0],
      [1, 4, 4],
      [1, n, n],
    ],
  )

  assert.match(
    await failure('volume.tile', {
      spec: group,
      level: 3,
      axis: 0,
      index: 0,
      box: [0, 0, 1, 1],
      window: 'image',
    }),
    /bad-input: .*no level 3 \(levels 0 to 2\)/,
  )
  assert.match(
    await failure('volume.tile', {
      spec: group,
      level: 1,
      axis: 0,
      index: 0,
      box: [0, 0, 513, 1],
      window: 'image',
    }),
    /bad-input: .*tile \[0,0,513,1\] is outside level 1/,
  )
  assert.match(
    await failure('volume.tile', {
      spec: group,
      level: 0,
      axis: 0,
      index: 1,
      box: [0, 0, 1, 1],
      window: 'image',
    }),
    /bad-input: .*slice 1 along axis z is outside level 0/,
  )
  assert.match(
    await failure('volume.crop', { spec: plain, level: 1 }),
    /bad-input: .*level 1 is level 0 at a stride/,
  )
})

test('volume.levels with the project: a pyramid built for a project volume gives its levels and tiles', async () => {
  const plain = writeBigImage(join(tmp, 'project-big.zarr'), 1024)
  const project = join(tmp, 'levels-project')
  cliJson(['project', 'init', project])
  cliJson(['project', 'import', project, plain, '--name', 'big'])
  const alone = await call('volume.levels', { spec: plain, dir: project })
  assert.ok(
    alone.levels.slice(1).every((l) => l.strided),
    'no pyramid yet: level 0 at strides',
  )
  cliJson(['pyramid', '--project', project, 'big'])
  const built = await call('volume.levels', { spec: plain, dir: project })
  assert.ok(built.spec.startsWith(join(project, 'pyramids')), built.spec)
  assert.deepEqual(
    built.levels.map((l) => [l.factor, l.strided]),
    [
      [[1, 1, 1], false],
      [[1, 2, 2], false],
      [[1, 4, 4], false],
    ],
  )
  const tile = await call('volume.tile', {
    spec: built.spec,
    level: 2,
    axis: 0,
    index: 0,
    box: [0, 0, 256, 256],
    window: 'image',
  })
  assert.deepEqual(tile.dims, [256, 256])
})
