/** The overlays' colour tables: label codes distinct and opaque (0 clear), each colormap's map table, the blend. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  blend,
  COLORMAP_NAMES,
  labelColour,
  labelTable,
  mapTable,
} from '../../../src-renderer/src/viewer/colours.ts'
import { DEFAULT_LAYERS, parseLayerState } from '../../../src-renderer/src/viewer/layer-state.ts'

test('label colours: 0 clear, every other code opaque, neighbouring codes far apart', () => {
  const table = labelTable()
  assert.equal(table[0], 0)
  for (let v = 1; v < 256; v++) assert.equal(table[v]! >>> 24, 255, `code ${v} opaque`)
  for (let v = 1; v < 40; v++) {
    const a = labelColour(v)
    const b = labelColour(v + 1)
    const d = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2])
    assert.ok(d > 100, `codes ${v} and ${v + 1}: colours ${a} and ${b} too close`)
  }
  const [r, g, b] = labelColour(7)
  assert.equal(table[7], ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0, 'packed as RGBA bytes')
})

test('map tables: clear below 0.2, the colormap colours above, for every colormap', () => {
  for (const name of COLORMAP_NAMES) {
    const table = mapTable(name)
    assert.equal(table[40]! >>> 24, 0, `${name}: clear at 40`)
    assert.ok(table[255]! >>> 24 > 180, `${name}: opaque near 1`)
  }
  assert.notEqual(mapTable('fire')[255], mapTable('viridis')[255])
})

test('blend and layer state: half and half; a stored state that does not parse gives the defaults', () => {
  assert.equal(blend(200, 100, 0.5), 150)
  assert.equal(blend(200, 100, 0), 100)
  assert.deepEqual(parseLayerState({ raw: { visible: 'yes' } }), DEFAULT_LAYERS)
  const good = structuredClone(DEFAULT_LAYERS)
  good.labels = { visible: true, opacity: 0.5, spec: '/a.zarr#labels' }
  assert.deepEqual(parseLayerState(good), good)
})
