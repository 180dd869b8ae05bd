import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  columnsFor,
  focusBand,
  groupsPinnedAt,
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

test('pinned header: the groups of the top row once their header is out of sight', () => {
  const layout = layoutGrid([0, 0, 0, 0, 0, 1], M) // header 5-35, tiles 35-155, 165-285, header 295-325, tiles 325-445
  const none = { start: 0, end: 0 }
  assert.deepEqual(groupsPinnedAt(layout, 0), none)
  assert.deepEqual(groupsPinnedAt(layout, 20), none)
  assert.deepEqual(groupsPinnedAt(layout, 40), { start: 0, end: 1 })
  assert.deepEqual(groupsPinnedAt(layout, 290), none)
  assert.deepEqual(groupsPinnedAt(layout, 330), { start: 1, end: 2 })
  assert.deepEqual(groupsPinnedAt(layout, 10_000), none)
  // A row shared by clusters 1 and 2 pins both.
  const shared = layoutGrid([0, 0, 0, 1, 2], M)
  assert.deepEqual(groupsPinnedAt(shared, shared.rows[3]!.top + 1), { start: 1, end: 3 })
})

/** 440 px: 4 columns of 100 with gaps of 10 (a block of 430), groups 20 apart when they share a line. */
const WIDE: GridMetrics = { ...M, width: 440 }

test('small clusters share a line: each header over its own tiles, in display order, as many as fit', () => {
  // Clusters of 1, 1, 2, 1, 4, 1, 1: the 4 fills a row of its own; the others pack around it.
  const layout = layoutGrid([0, 1, 2, 2, 3, 4, 4, 4, 4, 5, 6], WIDE)
  assert.equal(layout.columns, 4)
  assert.equal(layout.blockWidth, 430)
  assert.deepEqual(
    layout.groups.map((g) => [g.cluster, g.left, g.width, g.shared]),
    [
      [0, 0, 100, true],
      [1, 120, 100, true], // 100 + the group gap of 20
      [2, 0, 210, true], // 240 + 210 > 430: a new line
      [3, 230, 100, true],
      [4, 0, 430, false], // a row's worth: a line of its own, the whole width
      [5, 0, 100, true],
      [6, 120, 100, true],
    ],
  )
  // One header row and one tile row per line: 4 lines, not 7.
  assert.deepEqual(
    layout.rows.map((r) =>
      r.kind === 'header' ? ['header', r.group, r.groups] : ['tiles', r.first, r.count],
    ),
    [
      ['header', 0, 2],
      ['tiles', 0, 2],
      ['header', 2, 2],
      ['tiles', 2, 3],
      ['header', 4, 1],
      ['tiles', 5, 4],
      ['header', 5, 2],
      ['tiles', 9, 2],
    ],
  )
  assert.deepEqual(tilePosition(layout, 1), { left: 120, top: 35 })
  assert.deepEqual(tilePosition(layout, 3), { left: 110, top: 195 })
  assert.deepEqual(tilePosition(layout, 4), { left: 230, top: 195 })
  assert.deepEqual(Array.from(layout.groupOf), [0, 1, 2, 2, 3, 4, 4, 4, 4, 5, 6])
  assert.equal(layout.height, 5 + 4 * (30 + 120 + 10) + 5)
  // Every line fits the block.
  for (const g of layout.groups) assert.ok(g.left + g.width <= layout.blockWidth)
  // 40 single-member clusters: 3 to a line (3 * 100 + 2 * 20 = 340 <= 430 < 460), 14 lines.
  const singles = layoutGrid(
    Array.from({ length: 40 }, (_, i) => i),
    WIDE,
  )
  assert.equal(singles.rows.filter((r) => r.kind === 'header').length, 14)
})

test('arrows in shared lines: left/right read on across clusters, up/down take the nearest tile below/above', () => {
  // Lines: [0] [1] [2 3] | [4] [5 6] | [7 8 9 10] (cluster 5, a line of its own)
  const layout = layoutGrid([0, 1, 2, 2, 3, 4, 4, 5, 5, 5, 5], { ...WIDE, width: 450, groupGap: 10 })
  assert.deepEqual(Array.from(layout.leftOf), [0, 110, 220, 330, 0, 110, 220, 0, 110, 220, 330])
  // Reading order: right from the last tile of a line goes to the first of the next.
  const order = [0]
  while (order.length < 11) order.push(moveFocus(layout, order.at(-1)!, 'right'))
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  assert.equal(moveFocus(layout, 4, 'left'), 3)
  assert.equal(moveFocus(layout, 1, 'down'), 5) // x 110 -> x 110
  assert.equal(moveFocus(layout, 3, 'down'), 6) // x 330 -> nearest in [0, 110, 220]
  assert.equal(moveFocus(layout, 6, 'down'), 9)
  assert.equal(moveFocus(layout, 10, 'up'), 6)
  assert.equal(moveFocus(layout, 5, 'up'), 1)
  // With a group gap the columns of shared lines need not line up: the nearest in x wins, the left one on a tie.
  const gapped = layoutGrid([0, 1, 2, 2, 2], WIDE) // [0] at 0, [1] at 120 | [2] at 0, 110, 220
  assert.equal(moveFocus(gapped, 1, 'down'), 3)
  assert.equal(moveFocus(gapped, 4, 'up'), 1)
  assert.equal(moveFocus(gapped, 2, 'up'), 0)
})

test('next / previous cluster: the first tile of the next cluster; of this one, then of the one before', () => {
  const layout = layoutGrid([0, 1, 1, 1, 2, 2, 2, 2, 2, 3], WIDE)
  assert.equal(moveFocus(layout, 0, 'next-cluster'), 1)
  assert.equal(moveFocus(layout, 2, 'next-cluster'), 4)
  assert.equal(moveFocus(layout, 8, 'next-cluster'), 9)
  assert.equal(moveFocus(layout, 9, 'next-cluster'), 9) // the last cluster: stays
  assert.equal(moveFocus(layout, 6, 'previous-cluster'), 4)
  assert.equal(moveFocus(layout, 4, 'previous-cluster'), 1)
  assert.equal(moveFocus(layout, 1, 'previous-cluster'), 0)
  assert.equal(moveFocus(layout, 0, 'previous-cluster'), 0)
  assert.equal(moveFocus(layout, -1, 'next-cluster'), 0)
})
