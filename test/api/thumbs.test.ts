import assert from 'node:assert/strict'
import { join } from 'node:path'
import { before, test } from 'node:test'
import { dispatch } from '../../src-main/api/handlers.ts'
import { buildBigRound } from '../../src-main/cli/bench/big-round.ts'
import type { ApiMethod, ApiParams, ApiResult } from '../../src-shared/contract.ts'
import { scopedTempDir } from '../helpers/peers.ts'
import { SLICE_SET_SHAPE, sliceGrey, sliceSetProject, type SliceSetProject } from '../helpers/slice-set.ts'

const tmp = scopedTempDir('api-thumbs')
let made: SliceSetProject

before(async () => {
  made = await sliceSetProject(tmp.dir)
})

let nextId = 1
async function reply(method: ApiMethod, params: unknown) {
  return dispatch({ id: nextId++, method, params }, { transport: 'web', project: null })
}
async function call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
  const r = await reply(method, params)
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`)
  return r.result as ApiResult<M>
}

const greys = (base64: string): Set<number> => new Set(Buffer.from(base64, 'base64'))

test('thumbs.get: each thumbnail names its slice; dz moves to the slices around it, clamped to the volume', async () => {
  const { dir, setId: set, rois } = made
  const own = await call('thumbs.get', { dir, set, rois })
  assert.equal(own.thumbs.length, rois.length)
  for (const t of own.thumbs) assert.deepEqual(greys(t.image), new Set([sliceGrey(t.z)]), `ROI ${t.roi}`)
  const zOf = new Map(own.thumbs.map((t) => [t.roi, t.z]))
  for (const dz of [-1, 1, 5]) {
    const moved = await call('thumbs.get', { dir, set, rois, dz })
    assert.equal(moved.size, own.size)
    for (const [k, t] of moved.thumbs.entries()) {
      assert.equal(t.roi, rois[k])
      const z = Math.min(SLICE_SET_SHAPE[0] - 1, Math.max(0, zOf.get(t.roi)! + dz))
      assert.equal(t.z, z, `ROI ${t.roi} at dz ${dz}`)
      assert.deepEqual(greys(t.image), new Set([sliceGrey(z)]), `ROI ${t.roi} at dz ${dz}`)
      assert.equal(Buffer.from(t.mask, 'base64').length, own.size * own.size)
    }
  }
  // dz 0 is the stored thumbnails, as without it.
  assert.deepEqual(await call('thumbs.get', { dir, set, rois, dz: 0 }), own)
})

test('thumbs.get: other slices of a set with no raw volume, or too far, are refused with a reason', async () => {
  const big = await buildBigRound(join(tmp.dir, 'big'), { n: 8, clusters: 2 })
  const r = await reply('thumbs.get', { dir: big.dir, set: big.setId, rois: [1], dz: 1 })
  assert.ok(!r.ok)
  assert.match(`${r.error.code}: ${r.error.message}`, /bad-input: proposal set \d+ records no raw volume/)
  assert.equal((await call('thumbs.get', { dir: big.dir, set: big.setId, rois: [1] })).thumbs[0]!.z, 0)
  const far = await reply('thumbs.get', { dir: made.dir, set: made.setId, rois: [1], dz: 17 })
  assert.ok(!far.ok)
  assert.match(`${far.error.code}: ${far.error.message}`, /bad-request: .*'dz'/)
})
