/**
 * The tile source with a stand-in host that answers `volume.tile` when the test says: a few reads in
 * flight, queued reads no view wants dropped before sending, late replies no view wants ignored, the
 * cache, and a failed tile not asked for again.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ActiveEmBridge, ApiMethod, ApiParams, VolumeLevels } from '../../../src-shared/contract.ts'

/** Imported by a path the node type check does not follow: the stores are typed against the DOM lib. */
const TILES_STORE: string = '../../../src-renderer/src/stores/tiles.ts'

interface Spec {
  key: string
  level: number
  axis: 0 | 1 | 2
  index: number
  box: [number, number, number, number]
}
interface Source {
  want(view: string, tiles: Spec[]): void
  cache: { has(key: string): boolean }
  stats: { sent: string[]; dropped: number; ignored: number }
  failure: string | null
  settled(maxMs: number): Promise<void>
  close(): void
}

const pending: Array<{ params: ApiParams<'volume.tile'>; answer(fail?: boolean): void }> = []
Object.assign(globalThis, {
  window: {
    activeem: {
      call<M extends ApiMethod>(method: M, params: ApiParams<M>) {
        if (method !== 'volume.tile') throw new Error(`unexpected ${method}`)
        return new Promise((ok, fail) =>
          pending.push({
            params: params as ApiParams<'volume.tile'>,
            answer: (bad) =>
              bad
                ? fail(new Error('no such chunk'))
                : ok({ dims: [2, 2], voxels: Buffer.from([1, 2, 3, 4]).toString('base64') } as never),
          }),
        )
      },
    } satisfies ActiveEmBridge,
    location: { search: '' },
  },
})

const INFO: VolumeLevels = {
  spec: 'big.zarr',
  shape: [1, 1024, 1024],
  voxelSizeNm: null,
  low: 0,
  high: 255,
  levels: [{ shape: [1, 1024, 1024], factor: [1, 1, 1], tile: [1, 256, 256], strided: false }],
}

function tile(i: number): Spec {
  const box: [number, number, number, number] = [0, i * 256, 256, (i + 1) * 256]
  return { key: `0/0/0/${box.join(',')}`, level: 0, axis: 0, index: 0, box }
}

const settle = () => new Promise((ok) => setTimeout(ok, 0))

test('tile reads: four in flight, stale ones dropped before sending and ignored on return, failures not repeated', async () => {
  const { TileSource } = (await import(TILES_STORE)) as {
    TileSource: new (spec: string, window: string, info: VolumeLevels, loaded: () => void) => Source
  }
  let loaded = 0
  const source = new TileSource('big.zarr', 'image', INFO, () => loaded++)
  source.want('xy', [0, 1, 2, 3, 4, 5].map(tile))
  assert.equal(pending.length, 4, 'four reads in flight')
  assert.deepEqual(
    pending.map((p) => p.params.box[1]),
    [0, 256, 512, 768],
    'in the order wanted',
  )
  // The view moved: tiles 4 and 5 (queued, unsent) and 0 (in flight) are no longer wanted.
  source.want('xy', [1, 2, 3, 6].map(tile))
  assert.equal(source.stats.dropped, 2)
  pending.shift()!.answer() // tile 0 comes back: ignored
  await settle()
  assert.equal(source.stats.ignored, 1)
  assert.equal(source.cache.has(tile(0).key), false)
  // Its slot went to tile 6, the one wanted tile not yet asked for.
  assert.deepEqual(
    source.stats.sent,
    [0, 1, 2, 3, 6].map((i) => tile(i).key),
  )
  pending.shift()!.answer()
  await settle()
  assert.equal(source.cache.has(tile(1).key), true)
  assert.equal(loaded, 1)
  pending.shift()!.answer(true) // tile 2 fails
  await settle()
  assert.match(source.failure ?? '', /no such chunk/)
  source.want('xy', [1, 2, 3, 6].map(tile))
  assert.equal(
    source.stats.sent.filter((k) => k === tile(2).key).length,
    1,
    'a failed tile is not asked for again',
  )
  while (pending.length > 0) pending.shift()!.answer()
  await settle()
  assert.equal(source.cache.has(tile(6).key), true)
  source.close()
})

test('settled: not before a view asks, once every wanted tile is read, or at the time limit', async () => {
  const { TileSource } = (await import(TILES_STORE)) as {
    TileSource: new (spec: string, window: string, info: VolumeLevels, loaded: () => void) => Source
  }
  const source = new TileSource('big.zarr', 'image', INFO, () => {})
  let settled = false
  void source.settled(60_000).then(() => (settled = true))
  await settle()
  assert.equal(settled, false, 'nothing asked yet')
  source.want('xy', [0, 1, 2, 3, 4].map(tile))
  while (pending[0]?.params.box[1] !== 4 * 256) {
    pending.shift()!.answer()
    await settle()
  }
  assert.equal(settled, false, 'tile 4 still in flight')
  pending.shift()!.answer()
  await settle()
  assert.equal(settled, true)
  // Reads that never come back: the limit lets the waiter go on.
  source.want('xy', [5].map(tile))
  const started = performance.now()
  await source.settled(50)
  assert.ok(performance.now() - started >= 45)
  pending.shift()!.answer()
  source.close()
})
