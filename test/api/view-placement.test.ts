/**
 * The host places a set's ROIs and its map on the volume the viewer shows: shifted by the box they were
 * computed from on the whole image, as they are on that box, refused on any other volume.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { dispatch } from '../../src-main/api/handlers.ts'
import type { ApiMethod, ApiParams, ApiResult } from '../../src-shared/contract.ts'
import { BOX, BOX_IMAGE_SHAPE, boxSetProject, CUBES, type BoxSetProject } from '../helpers/box-set.ts'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-api-placement-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

let made: BoxSetProject
before(async () => {
  made = await boxSetProject(tmp)
})

let nextId = 1
async function call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
  const reply = await dispatch({ id: nextId++, method, params }, { transport: 'web', project: null })
  if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`)
  return reply.result as ApiResult<M>
}

async function failure(method: ApiMethod, params: unknown): Promise<string> {
  const reply = await dispatch({ id: nextId++, method, params }, { transport: 'web', project: null })
  assert.equal(reply.ok, false, `${method} answered instead of refusing`)
  return reply.ok ? '' : `${reply.error.code}: ${reply.error.message}`
}

const ORIGIN = [BOX.z0, BOX.y0, BOX.x0]
const inBox = (c: number[]) => c.map((v, i) => v - ORIGIN[i % 3]!)

test('rois.list: a set records the box it was computed from, and its boxes are shifted onto the whole image', async () => {
  const dir = made.project
  const own = (await call('rois.list', { dir }))!
  assert.equal(own.raw, made.boxed, 'the set records its raw volume with the box')
  assert.equal(own.volume, made.boxed)
  assert.deepEqual(own.offset, [0, 0, 0])
  const byPlace = (rois: typeof own.rois) => rois.map((r) => r.box).sort((a, b) => a[1] - b[1])
  const cubes = [...CUBES].sort((a, b) => a[1] - b[1])
  assert.deepEqual(byPlace(own.rois), cubes.map(inBox), "in the box's own voxels")

  const onBox = (await call('rois.list', { dir, volume: made.boxed }))!
  assert.deepEqual(onBox.offset, [0, 0, 0])
  assert.deepEqual(byPlace(onBox.rois), cubes.map(inBox))

  const onImage = (await call('rois.list', { dir, volume: made.image }))!
  assert.equal(onImage.volume, made.image)
  assert.deepEqual(onImage.offset, ORIGIN)
  assert.deepEqual(byPlace(onImage.rois), cubes, "on the whole image: at the cubes' own place")
  for (const r of onImage.rois) {
    const mine = own.rois.find((o) => o.id === r.id)!
    assert.deepEqual(
      r.centroid,
      mine.centroid.map((v, i) => v + ORIGIN[i]!),
    )
  }
})

test('rois.list refuses the boxes of a set on a volume they do not belong to', async () => {
  const dir = made.project
  assert.equal(
    await failure('rois.list', { dir, volume: made.other }),
    `bad-input: ROIs of set 1 belong to ${made.boxed}; not shown on ${made.other}`,
  )
  assert.match(
    await failure('rois.list', { dir, volume: `${made.image.replace('#raw', '#labels')}` }),
    /^bad-input: ROIs of set 1 belong to .*; not shown on .*image\.h5#labels$/,
  )
  assert.match(await failure('rois.list', { dir, volume: '' }), /^bad-request: .*'volume'/)
})

test('the map is read over the image it was predicted from, laid at its box, and refused over another', async () => {
  const spec = `${made.map}#mito`
  const [z0, y0, x0, z1, y1, x1] = CUBES[0]!
  const center: [number, number, number] = [(z0 + z1) >> 1, (y0 + y1) >> 1, (x0 + x1) >> 1]
  const size: [number, number, number] = [1, 1, BOX_IMAGE_SHAPE[2]]
  const crop = await call('volume.crop', { spec, over: made.image, center, size, window: 'probability' })
  assert.deepEqual(crop.shape, BOX_IMAGE_SHAPE, "in the image's voxels")
  assert.deepEqual(crop.origin, [center[0], center[1], 0])
  const row = Buffer.from(crop.voxels, 'base64')
  // 0.9 inside the cube (at its place in the image), 0.05 elsewhere in the box, nothing left of the box.
  for (let x = 0; x < BOX_IMAGE_SHAPE[2]; x++) {
    const want = x < BOX.x0 ? 0 : x >= x0 && x < x1 ? Math.round(0.9 * 255) : Math.round(0.05 * 255)
    assert.ok(Math.abs(row[x]! - want) <= 1, `x ${x}: ${row[x]} (expected about ${want})`)
  }

  const own = await call('volume.crop', { spec, over: made.boxed, center: [8, 48, 48], size: [1, 1, 1] })
  assert.deepEqual(
    own.shape,
    [BOX.z1 - BOX.z0, BOX.y1 - BOX.y0, BOX.x1 - BOX.x0],
    'over its own box: as it is',
  )

  const levels = await call('volume.levels', { spec, over: made.image })
  assert.deepEqual(levels.shape, BOX_IMAGE_SHAPE)
  const tile = await call('volume.tile', {
    spec: levels.spec,
    over: made.image,
    level: 0,
    axis: 0,
    index: center[0],
    box: [center[1], 0, center[1] + 1, BOX_IMAGE_SHAPE[2]],
    window: 'probability',
  })
  assert.deepEqual([...Buffer.from(tile.voxels, 'base64')], [...row], 'tiles lie where crops do')

  for (const params of [
    { spec, over: made.other, size: [1, 1, 1] },
    { spec, over: made.other, level: 0, size: [1, 1, 1] },
  ])
    assert.equal(
      await failure('volume.crop', params),
      `bad-input: probability map ${spec} was predicted from ${made.boxed}; not overlaid on ${made.other}`,
    )
  assert.match(await failure('volume.levels', { spec, over: made.other }), /not overlaid on .*other\.h5#raw$/)
})
