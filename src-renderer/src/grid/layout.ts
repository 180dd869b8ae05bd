/**
 * Geometry of the virtualised query grid: the items (queries in display order) fall into groups of
 * consecutive items of one cluster; each group is a header row followed by rows of tiles. Everything
 * here is arithmetic on numbers, so the component reads positions without asking the DOM.
 */

export interface GridMetrics {
  /** Width available to tiles, pixels. */
  width: number
  tileWidth: number
  tileHeight: number
  gap: number
  headerHeight: number
  /** Space above the first header and below the last row. */
  padding: number
}

export type GridRow =
  | { kind: 'header'; top: number; height: number; group: number }
  | { kind: 'tiles'; top: number; height: number; group: number; first: number; count: number }

export interface GridGroup {
  cluster: number
  /** Index of the group's first item, and how many it has. */
  first: number
  count: number
}

export interface GridLayout {
  columns: number
  groups: GridGroup[]
  rows: GridRow[]
  /** Per item: its row in `rows` and its column. */
  rowOf: Int32Array
  columnOf: Int32Array
  height: number
  metrics: GridMetrics
}

/** Consecutive items of one cluster form a group (the round is already in display order). */
export function groupsOf(clusters: ArrayLike<number>): GridGroup[] {
  const groups: GridGroup[] = []
  for (let i = 0; i < clusters.length; i++) {
    const last = groups.at(-1)
    if (last && last.cluster === clusters[i]) last.count++
    else groups.push({ cluster: clusters[i]!, first: i, count: 1 })
  }
  return groups
}

export function columnsFor(m: GridMetrics): number {
  return Math.max(1, Math.floor((m.width + m.gap) / (m.tileWidth + m.gap)))
}

export function layoutGrid(clusters: ArrayLike<number>, m: GridMetrics): GridLayout {
  const columns = columnsFor(m)
  const groups = groupsOf(clusters)
  const rows: GridRow[] = []
  const rowOf = new Int32Array(clusters.length)
  const columnOf = new Int32Array(clusters.length)
  let top = m.padding
  groups.forEach((g, group) => {
    rows.push({ kind: 'header', top, height: m.headerHeight, group })
    top += m.headerHeight
    for (let first = g.first; first < g.first + g.count; first += columns) {
      const count = Math.min(columns, g.first + g.count - first)
      for (let k = 0; k < count; k++) {
        rowOf[first + k] = rows.length
        columnOf[first + k] = k
      }
      rows.push({ kind: 'tiles', top, height: m.tileHeight, group, first, count })
      top += m.tileHeight + m.gap
    }
  })
  return { columns, groups, rows, rowOf, columnOf, height: top + m.padding, metrics: m }
}

/** Index of the first row whose bottom is below `y` (rows are sorted by top). */
function firstRowBelow(rows: readonly GridRow[], y: number): number {
  let lo = 0
  let hi = rows.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    const r = rows[mid]!
    if (r.top + r.height <= y) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * The rows that intersect [scrollTop - overscan, scrollTop + viewport + overscan), as a half-open
 * range of row indices.
 */
export function visibleRows(
  layout: GridLayout,
  scrollTop: number,
  viewport: number,
  overscan: number,
): { start: number; end: number } {
  const start = firstRowBelow(layout.rows, Math.max(0, scrollTop - overscan))
  const bottom = scrollTop + viewport + overscan
  let end = start
  while (end < layout.rows.length && layout.rows[end]!.top < bottom) end++
  return { start, end }
}

/** The items of rows [start, end). */
export function itemsOfRows(layout: GridLayout, start: number, end: number): { first: number; end: number } {
  let first = -1
  let last = -1
  for (let r = start; r < end; r++) {
    const row = layout.rows[r]!
    if (row.kind !== 'tiles') continue
    if (first < 0) first = row.first
    last = row.first + row.count
  }
  return first < 0 ? { first: 0, end: 0 } : { first, end: last }
}

/** Pixel position of item i within the grid (before scrolling). */
export function tilePosition(layout: GridLayout, i: number): { left: number; top: number } {
  const m = layout.metrics
  const row = layout.rows[layout.rowOf[i]!]!
  return { left: layout.columnOf[i]! * (m.tileWidth + m.gap), top: row.top }
}

export type Direction = 'left' | 'right' | 'up' | 'down' | 'home' | 'end'

/**
 * Where the focus goes from item i. Left/right walk the display order (across groups); up/down go to
 * the same column of the tile row above/below, skipping headers, or the last tile of a shorter row.
 */
export function moveFocus(layout: GridLayout, i: number, direction: Direction): number {
  const n = layout.rowOf.length
  if (n === 0) return -1
  if (i < 0 || i >= n) return 0
  switch (direction) {
    case 'left':
      return Math.max(0, i - 1)
    case 'right':
      return Math.min(n - 1, i + 1)
    case 'home':
      return 0
    case 'end':
      return n - 1
    case 'up':
    case 'down': {
      const step = direction === 'up' ? -1 : 1
      const column = layout.columnOf[i]!
      for (let r = layout.rowOf[i]! + step; r >= 0 && r < layout.rows.length; r += step) {
        const row = layout.rows[r]!
        if (row.kind === 'tiles') return row.first + Math.min(column, row.count - 1)
      }
      return i
    }
  }
}

/**
 * The scrollTop that shows [top, bottom) whole with `margin` around it, moving as little as possible
 * (unchanged when it is already in view).
 */
export function revealScrollTop(
  scrollTop: number,
  viewport: number,
  top: number,
  bottom: number,
  margin: number,
): number {
  if (top - margin < scrollTop) return Math.max(0, top - margin)
  if (bottom + margin > scrollTop + viewport) return Math.max(0, bottom + margin - viewport)
  return scrollTop
}

/** The band to keep in view when item i has the focus: its row, and its group's header above the first row. */
export function focusBand(layout: GridLayout, i: number): { top: number; bottom: number } {
  const r = layout.rowOf[i]!
  const row = layout.rows[r]!
  const above = layout.rows[r - 1]
  return { top: above?.kind === 'header' ? above.top : row.top, bottom: row.top + row.height }
}

/**
 * The group whose name stays pinned over the top of the viewport: the group of the first row in view,
 * when that row is a row of tiles (its header has scrolled away); -1 when a header is at the top.
 */
export function groupPinnedAt(layout: GridLayout, scrollTop: number): number {
  const row = layout.rows[firstRowBelow(layout.rows, scrollTop)]
  return row?.kind === 'tiles' ? row.group : -1
}
