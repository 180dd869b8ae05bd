import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  overlayOptions,
  shortSpec,
  startingOverlay,
  startingVolume,
  volumeOptions,
} from '../../../src-renderer/src/viewer/sources.ts'

const SET = {
  setId: 4,
  raw: '/d/em.h5#raw',
  channels: [
    { name: 'pre', spec: '/d/pred.zarr#pre' },
    { name: 'union', spec: '/d/pred.zarr#union' },
  ],
}
const VOLUMES = [
  { source: '/d/labels.h5#gt', name: 'gt', role: 'labels' as const },
  { source: '/d/em.h5#raw', name: 'em', role: 'raw' as const },
  { source: '/d/other.zarr#raw', name: 'other', role: 'raw' as const },
  { source: '/d/pred.zarr#union', name: 'union map', role: 'prediction' as const },
  { source: '/d/mito.zarr#p', name: 'mito map', role: 'prediction' as const },
]

test('shortSpec drops the folders', () => {
  assert.equal(shortSpec('/a/b/em.h5#raw'), 'em.h5#raw')
  assert.equal(shortSpec('C:\\data\\stack'), 'stack')
})

test('images: the set raw first, then raw volumes, then the rest, each once', () => {
  assert.deepEqual(volumeOptions(SET, VOLUMES), [
    { spec: '/d/em.h5#raw', label: 'em · set 4' },
    { spec: '/d/other.zarr#raw', label: 'other' },
    { spec: '/d/labels.h5#gt', label: 'gt (labels)' },
    { spec: '/d/pred.zarr#union', label: 'union map (prediction)' },
    { spec: '/d/mito.zarr#p', label: 'mito map (prediction)' },
  ])
})

test('maps: the set channels, then predictions not among them', () => {
  assert.deepEqual(
    overlayOptions(SET, VOLUMES).map((o) => o.spec),
    ['/d/pred.zarr#pre', '/d/pred.zarr#union', '/d/mito.zarr#p'],
  )
  assert.deepEqual(overlayOptions(null, VOLUMES), [
    { spec: '/d/pred.zarr#union', label: 'union map' },
    { spec: '/d/mito.zarr#p', label: 'mito map' },
  ])
})

test('the first image and map: remembered while listed, else the set choice, else the first', () => {
  assert.equal(startingVolume('/d/other.zarr#raw', SET, VOLUMES), '/d/other.zarr#raw')
  assert.equal(startingVolume('/gone.h5#raw', SET, VOLUMES), '/d/em.h5#raw')
  assert.equal(startingVolume(null, null, VOLUMES), '/d/em.h5#raw', 'the first raw volume')
  assert.equal(startingVolume(null, null, [VOLUMES[0]!]), '/d/labels.h5#gt')
  assert.equal(startingVolume(null, null, []), null)
  assert.equal(startingOverlay('/d/pred.zarr#pre', SET, VOLUMES), '/d/pred.zarr#pre')
  assert.equal(startingOverlay(null, SET, VOLUMES), '/d/pred.zarr#union')
  assert.equal(startingOverlay(null, null, VOLUMES), '/d/pred.zarr#union')
  assert.equal(startingOverlay(null, null, []), null)
})
