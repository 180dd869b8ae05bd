/**
 * The volumes store's import flow with a stand-in host whose volume.list replies are released by the
 * test: the path asked for last is the one listed, whichever reply comes first.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createPinia, setActivePinia } from 'pinia'
import type { ActiveEmBridge, ApiMethod, ApiParams } from '../../../src-shared/contract.ts'

/** Imported by paths the node type check does not follow: the stores are typed against the DOM lib. */
const VOLUMES_STORE: string = '../../../src-renderer/src/stores/volumes.ts'
const PROJECT_STORE: string = '../../../src-renderer/src/stores/project.ts'

/** The part of the volumes store this test drives. */
interface VolumesStore {
  listing: { path: string } | null
  inspecting: boolean
  inspect(path: string): Promise<void>
}

/** A volume.list call waiting for the test: answered with an empty listing, or refused. */
const calls = new Map<string, { answer(): void; refuse(): void }>()
const bridge: ActiveEmBridge = {
  call<M extends ApiMethod>(method: M, params: ApiParams<M>) {
    if (method !== 'volume.list') return Promise.reject(new Error(`unexpected ${method}`))
    const { path } = params as ApiParams<'volume.list'>
    return new Promise((resolve, reject) => {
      calls.set(path, {
        answer: () => resolve({ format: 'zarr', datasets: [] } as never),
        refuse: () => reject(new Error(`no such file: ${path}`)),
      })
    })
  },
}
Object.assign(globalThis, { window: { activeem: bridge, location: { search: '' } } })

async function stores() {
  setActivePinia(createPinia())
  const { useVolumesStore } = (await import(VOLUMES_STORE)) as { useVolumesStore(): VolumesStore }
  const { useProjectStore } = (await import(PROJECT_STORE)) as {
    useProjectStore(): { errors: string[] }
  }
  calls.clear()
  return { volumes: useVolumesStore(), project: useProjectStore() }
}

test('volumes store: a listing answered after a later path was asked for is not shown', async () => {
  const { volumes } = await stores()
  const first = volumes.inspect('/data/a.h5')
  const second = volumes.inspect('/data/b.zarr')
  calls.get('/data/b.zarr')!.answer()
  await second
  assert.equal(volumes.listing?.path, '/data/b.zarr')
  assert.equal(volumes.inspecting, false)
  calls.get('/data/a.h5')!.answer()
  await first
  assert.equal(volumes.listing?.path, '/data/b.zarr', 'the earlier path does not replace the later one')
})

test('volumes store: an earlier path that fails late neither clears the listing nor reports', async () => {
  const { volumes, project } = await stores()
  const first = volumes.inspect('/data/gone.h5')
  const second = volumes.inspect('/data/b.zarr')
  assert.equal(volumes.inspecting, true)
  calls.get('/data/b.zarr')!.answer()
  await second
  calls.get('/data/gone.h5')!.refuse()
  await first
  assert.equal(volumes.listing?.path, '/data/b.zarr')
  assert.deepEqual(project.errors, [])
})

test('volumes store: the latest path failing clears the listing and says why', async () => {
  const { volumes, project } = await stores()
  const read = volumes.inspect('/data/gone.h5')
  calls.get('/data/gone.h5')!.refuse()
  await read
  assert.equal(volumes.listing, null)
  assert.equal(volumes.inspecting, false)
  assert.deepEqual(project.errors, ['cannot read /data/gone.h5: no such file: /data/gone.h5'])
})

test('offersLevels: 3D arrays with a slice over 2048 px a side or over 256 MiB in all, nothing else', async () => {
  const { offersLevels } = (await import(VOLUMES_STORE)) as {
    offersLevels(a: {
      name: string
      shape: number[]
      dtype: string
      chunks: null
      compression: null
    }): boolean
  }
  const offers = (shape: number[], dtype = 'uint8'): boolean =>
    offersLevels({ name: 'raw', shape, dtype, chunks: null, compression: null })
  assert.equal(offers([10, 2048, 2048]), false, 'a 2048 px slice fits')
  assert.equal(offers([1, 2049, 512]), true, 'one slice wider than 2048 px')
  assert.equal(offers([1, 1, 100, 512, 3000]), true, 'leading axes of length 1 dropped')
  assert.equal(offers([2, 1, 512, 3000]), false, 'two channels: not a volume')
  assert.equal(offers([3000, 3000]), false, '2D')
  assert.equal(offers([1024, 512, 512], 'uint8'), false, '256 MiB exactly')
  assert.equal(offers([1025, 512, 512], 'uint8'), true)
  assert.equal(offers([513, 512, 512], 'float32'), true, '4 bytes a voxel')
})
