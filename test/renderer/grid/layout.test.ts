import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  columnsFor,
  focusBand,
  groupPinnedAt,
  groupsOf,
  itemsOfRows,
  layoutGrid,
  moveFocus,
  revealScrollTop,
  tilePosition,
  visibleRows,
  type GridMetrics,
} from '../../../src-renderer/src/grid/layout.ts'

const M: GridMetrics = { width: 420, tileWidth: 100, tileHeight: 120, gap: 10, headerHeight: 30, padding: 5 }

test('groups: consecutive items of one cluster', () => {
  assert.deepEqual(groupsOf([3, 3, 1, 1, 1, 7]), [
    { cluster: 3, first: 0, count: 2 },
    { cluster: 1, first: 2, count: 3 },
    { cluster: 7, first: 5, count: 1 },
  ])
  assert.deepEqual(groupsOf([]), [])
})

test('columns: as many tiles with gaps as fit, at least one', () => {
  assert.equal(columnsFor(M), 3) // 3*100 + 2*10 = 320 <= 420 < 4*100 + 3*10
  assert.equal(columnsFor({ ...M, width: 440 }), 4)
  assert.equal(columnsFor({ ...M, width: 10 }), 1)
})

test('layout: a header row per cluster, then rows of tiles; positions and total height', () => {
  // cluster 0: 5 items (rows of 3 + 2), cluster 1: 1 item
  const layout = layoutGrid([0, 0, 0, 0, 0, 1], M)
  assert.equal(layout.columns, 3)
  assert.deepEqual(
    layout.rows.map((r) => [r.kind, r.top]),
    [
      ['header', 5],
      ['tiles', 35],
      ['tiles', 165],
      ['header', 295],
      ['tiles', 325],
    ],
  )
  assert.equal(layout.height, 325 + 120 + 10 + 5)
  assert.deepEqual(tilePosition(layout, 4), { left: 110, top: 165 })
  assert.deepEqual(tilePosition(layout, 5), { left: 0, top: 325 })
})

test('visible window: only the rows that meet the viewport (plus overscan), by binary search', () => {
  const clusters = Array.from({ length: 5000 }, (_, i) => Math.floor(i / 64))
  const layout = layoutGrid(clusters, M)
  const { start, end } = visibleRows(layout, 20_000, 800, 0)
  for (let r = start; r < end; r++) {
    const row = layout.rows[r]!
    assert.ok(row.top < 20_800 && row.top + row.height > 20_000, `row ${r} is in view`)
  }
  assert.ok(layout.rows[start - 1]!.top + layout.rows[start - 1]!.height <= 20_000)
  assert.ok(layout.rows[end]!.top >= 20_800)
  const items = itemsOfRows(layout, start, end)
  assert.ok(items.end - items.first <= 3 * 8, `${items.end - items.first} items for one screen`)
  const wider = visibleRows(layout, 20_000, 800, 400)
  assert.ok(wider.start < start && wider.end > end)
  // The end of the grid: the last item's row is in the window.
  const last = visibleRows(layout, layout.height - 800, 800, 0)
  assert.equal(last.end, layout.rows.length)
  assert.deepEqual(visibleRows(layoutGrid([], M), 0, 800, 100), { start: 0, end: 0 })
})

test('arrow keys: left/right follow display order, up/down keep the column across headers', () => {
  const layout = layoutGrid([0, 0, 0, 0, 0, 1, 1, 1], M) // rows: [0 1 2] [3 4] | [5 6 7]
  assert.equal(moveFocus(layout, 0, 'left'), 0)
  assert.equal(moveFocus(layout, 2, 'right'), 3)
  assert.equal(moveFocus(layout, 7, 'right'), 7)
  assert.equal(moveFocus(layout, 2, 'down'), 4) // shorter row: its last tile
  assert.equal(moveFocus(layout, 4, 'down'), 6) // into the next cluster, same column
  assert.equal(moveFocus(layout, 3, 'down'), 5)
  assert.equal(moveFocus(layout, 7, 'up'), 4)
  assert.equal(moveFocus(layout, 1, 'up'), 1) // top row: stays
  assert.equal(moveFocus(layout, 7, 'down'), 7)
  assert.equal(moveFocus(layout, 4, 'home'), 0)
  assert.equal(moveFocus(layout, 0, 'end'), 7)
  assert.equal(moveFocus(layout, -1, 'down'), 0) // nothing focused yet: the first tile
  assert.equal(moveFocus(layoutGrid([], M), 0, 'down'), -1)
})

test('reveal: scroll only as far as needed; the first row of a cluster brings its header along', () => {
  assert.equal(revealScrollTop(100, 500, 200, 300, 10), 100)
  assert.equal(revealScrollTop(100, 500, 50, 150, 10), 40)
  assert.equal(revealScrollTop(100, 500, 550, 650, 10), 160)
  assert.equal(revealScrollTop(0, 500, 2, 100, 10), 0)
  const layout = layoutGrid([0, 0, 0, 0, 1], M)
  assert.deepEqual(focusBand(layout, 1), { top: 5, bottom: 155 })
  assert.deepEqual(focusBand(layout, 3), { top: 165, bottom: 285 })
})

test('pinned header: the group of the top row once its own header is out of sight', () => {
  const layout = layoutGrid([0, 0, 0, 0, 0, 1], M) // header 5-35, tiles 35-155, 165-285, header 295-325, tiles 325-445
  assert.equal(groupPinnedAt(layout, 0), -1)
  assert.equal(groupPinnedAt(layout, 20), -1)
  assert.equal(groupPinnedAt(layout, 40), 0)
  assert.equal(groupPinnedAt(layout, 290), -1)
  assert.equal(groupPinnedAt(layout, 330), 1)
  assert.equal(groupPinnedAt(layout, 10_000), -1)
})
