/**
 * Geometry of the virtualised query grid: the items (queries in display order) fall into groups of
 * consecutive items of one cluster. A group with a row's worth of items or more takes whole lines: a
 * header row, then rows of tiles. Smaller groups share a line, side by side in display order (each its
 * header over its own tiles), as many as fit: 40 single-member clusters make a few lines, not 40.
 * Everything here is arithmetic on numbers, so the component reads positions without asking the DOM.
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
  /** Space between two groups that share a line (wider than `gap`, so each cluster reads as one); default 2 * gap. */
  groupGap?: number
}

/**
 * A header row names the groups `group` .. `group + groups - 1` (one, or the groups sharing its line);
 * a row of tiles holds items `first` .. `first + count - 1`, `group` being the group of its first item.
 */
export type GridRow =
  | { kind: 'header'; top: number; height: number; group: number; groups: number }
  | { kind: 'tiles'; top: number; height: number; group: number; first: number; count: number }

export interface GridGroup {
  cluster: number
  /** Index of the group's first item, and how many it has. */
  first: number
  count: number
  /** Where its header starts, pixels from the block's left edge, and how wide it is (its tiles' span). */
  left: number
  width: number
  /** Whether it shares its line with other groups (then its header is only as wide as its tiles). */
  shared: boolean
}

export interface GridLayout {
  columns: number
  /** Width of a full row of tiles: every line fits in it. */
  blockWidth: number
  groups: GridGroup[]
  rows: GridRow[]
  /** Per item: its row in `rows`, its left edge (pixels from the block's left) and its group. */
  rowOf: Int32Array
  leftOf: Float64Array
  groupOf: Int32Array
  height: number
  metrics: GridMetrics
}

/** Consecutive items of one cluster form a group (the round is already in display order). */
export function groupsOf(clusters: ArrayLike<number>): Array<Pick<GridGroup, 'cluster' | 'first' | 'count'>> {
  const groups: Array<Pick<GridGroup, 'cluster' | 'first' | 'count'>> = []
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
  const pitch = m.tileWidth + m.gap
  const groupGap = m.groupGap ?? 2 * m.gap
  const blockWidth = columns * pitch - m.gap
  const spanOf = (count: number): number => count * pitch - m.gap
  const groups: GridGroup[] = groupsOf(clusters).map((g) => ({
    ...g,
    left: 0,
    width: g.count < columns ? spanOf(g.count) : blockWidth,
    shared: false,
  }))
  const rows: GridRow[] = []
  const rowOf = new Int32Array(clusters.length)
  const leftOf = new Float64Array(clusters.length)
  const groupOf = new Int32Array(clusters.length)
  let top = m.padding

  /** A header row over groups [from, to), then one row of their tiles. */
  function line(from: number, to: number): void {
    rows.push({ kind: 'header', top, height: m.headerHeight, group: from, groups: to - from })
    top += m.headerHeight
    const first = groups[from]!.first
    const last = groups[to - 1]!
    for (let g = from; g < to; g++) {
      const group = groups[g]!
      group.shared = to - from > 1
      for (let k = 0; k < group.count; k++) {
        const i = group.first + k
        rowOf[i] = rows.length
        leftOf[i] = group.left + k * pitch
        groupOf[i] = g
      }
    }
    rows.push({
      kind: 'tiles',
      top,
      height: m.tileHeight,
      group: from,
      first,
      count: last.first + last.count - first,
    })
    top += m.tileHeight + m.gap
  }

  let open = -1 // first group of the line being filled, -1 when none
  let x = 0 // where the next group of that line would start
  groups.forEach((g, index) => {
    if (g.count < columns) {
      if (open >= 0 && x + g.width <= blockWidth) {
        g.left = x
      } else {
        if (open >= 0) line(open, index)
        open = index
        g.left = 0
      }
      x = g.left + g.width + groupGap
      return
    }
    if (open >= 0) line(open, index)
    open = -1
    rows.push({ kind: 'header', top, height: m.headerHeight, group: index, groups: 1 })
    top += m.headerHeight
    for (let first = g.first; first < g.first + g.count; first += columns) {
      const count = Math.min(columns, g.first + g.count - first)
      for (let k = 0; k < count; k++) {
        rowOf[first + k] = rows.length
        leftOf[first + k] = k * pitch
        groupOf[first + k] = index
      }
      rows.push({ kind: 'tiles', top, height: m.tileHeight, group: index, first, count })
      top += m.tileHeight + m.gap
    }
  })
  if (open >= 0) line(open, groups.length)
  return { columns, blockWidth, groups, rows, rowOf, leftOf, groupOf, height: top + m.padding, metrics: m }
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
  return { left: layout.leftOf[i]!, top: layout.rows[layout.rowOf[i]!]!.top }
}

export type Direction =
  'left' | 'right' | 'up' | 'down' | 'home' | 'end' | 'next-cluster' | 'previous-cluster'

/**
 * Where the focus goes from item i, always in reading order. Left/right walk the display order (across
 * groups, and across the groups that share a line); up/down go to the tile of the tile row above/below
 * nearest in x (the same column where rows line up, the last tile of a shorter row), skipping headers.
 * Next cluster: the first item of the next group; previous cluster: the first item of i's own group,
 * or of the group before when i is already there.
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
    case 'next-cluster': {
      const next = layout.groups[layout.groupOf[i]! + 1]
      return next ? next.first : i
    }
    case 'previous-cluster': {
      const g = layout.groupOf[i]!
      const own = layout.groups[g]!
      return i > own.first ? own.first : (layout.groups[g - 1]?.first ?? i)
    }
    case 'up':
    case 'down': {
      const step = direction === 'up' ? -1 : 1
      const x = layout.leftOf[i]!
      for (let r = layout.rowOf[i]! + step; r >= 0 && r < layout.rows.length; r += step) {
        const row = layout.rows[r]!
        if (row.kind !== 'tiles') continue
        let best = row.first
        for (let j = row.first + 1; j < row.first + row.count; j++)
          if (Math.abs(layout.leftOf[j]! - x) < Math.abs(layout.leftOf[best]! - x)) best = j
        return best
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
 * The groups whose names stay pinned over the top of the viewport: those of the first row in view, when
 * that row is a row of tiles (its header has scrolled away), as a half-open range of group indices;
 * empty when a header is at the top.
 */
export function groupsPinnedAt(layout: GridLayout, scrollTop: number): { start: number; end: number } {
  const row = layout.rows[firstRowBelow(layout.rows, scrollTop)]
  if (row?.kind !== 'tiles') return { start: 0, end: 0 }
  return { start: row.group, end: layout.groupOf[row.first + row.count - 1]! + 1 }
}
