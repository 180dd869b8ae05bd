/**
 * Multiscale slice tiles: which level a view reads at its zoom, which tiles of it the view shows
 * (nearest the middle first), where each lands on screen, and a byte-bounded LRU cache for them.
 * Level voxel j along an axis of factor f covers level-0 voxels j*f .. j*f+f-1, so in the viewer's
 * continuous voxel coordinates (voxel centres on integers) it spans [j*f - 0.5, (j+1)*f - 0.5).
 */
import type { Vec3 } from './geometry.ts'
import { PLANES, type Axis, type Frame, type Plane } from './planes.ts'

export interface LevelInfo {
  shape: Vec3
  factor: Vec3
  tile: Vec3
}

export interface TileSpec {
  /** Cache key: everything that decides the tile's pixels but the source's name. */
  key: string
  level: number
  axis: Axis
  index: number
  /** [row0, col0, row1, col1] in the level's voxels; rows along the lower in-plane axis. */
  box: [number, number, number, number]
}

/** The in-plane axes of a slice across `n`, lower first: the host's rows and columns. */
export function rowColAxes(n: Axis): [Axis, Axis] {
  return ([0, 1, 2] as Axis[]).filter((a) => a !== n) as [Axis, Axis]
}

/**
 * The level a view reads: the coarsest whose voxels still cover at most `maxPixels` screen pixels on
 * both in-plane axes (level 0 when even it is coarser, zoomed in past one pixel a voxel).
 */
export function chooseLevel(levels: readonly LevelInfo[], plane: Plane, frame: Frame, maxPixels = 1): number {
  const { h, v } = PLANES[plane]
  let best = 0
  for (let i = 0; i < levels.length; i++) {
    const f = levels[i]!.factor
    const px = Math.max(f[h] * frame.aspect[h] * frame.scale, f[v] * frame.aspect[v] * frame.scale)
    if (px <= maxPixels) best = i
  }
  return best
}

/** The slice of `level` that holds the focus's plane. */
export function sliceAt(level: LevelInfo, n: Axis, focus: Vec3): number {
  return Math.max(0, Math.min(level.shape[n] - 1, Math.floor(Math.round(focus[n]) / level.factor[n])))
}

/** The range of level voxels [lo, hi) an axis of the view shows. */
function shownRange(level: LevelInfo, axis: Axis, frame: Frame, extentPx: number): [number, number] {
  const half = extentPx / 2 / (frame.aspect[axis] * frame.scale)
  const f = level.factor[axis]
  const lo = Math.floor((frame.centre[axis] - half + 0.5) / f)
  const hi = Math.floor((frame.centre[axis] + half + 0.5) / f) + 1
  return [Math.max(0, lo), Math.min(level.shape[axis], hi)]
}

/** The tiles of `level` a view shows, nearest the view's middle first. */
export function visibleTiles(
  levels: readonly LevelInfo[],
  levelIndex: number,
  plane: Plane,
  frame: Frame,
  focus: Vec3,
): TileSpec[] {
  const level = levels[levelIndex]!
  const { h, v, n } = PLANES[plane]
  const [ra, ca] = rowColAxes(n)
  const index = sliceAt(level, n, focus)
  const range: Record<number, [number, number]> = {
    [h]: shownRange(level, h, frame, frame.width),
    [v]: shownRange(level, v, frame, frame.height),
  }
  const [r0, r1] = range[ra]!
  const [c0, c1] = range[ca]!
  if (r1 <= r0 || c1 <= c0) return []
  const tr = level.tile[ra]
  const tc = level.tile[ca]
  const mid = { [h]: frame.centre[h], [v]: frame.centre[v] } as Record<number, number>
  const tiles: Array<TileSpec & { d: number }> = []
  for (let i = Math.floor(r0 / tr); i * tr < r1; i++)
    for (let j = Math.floor(c0 / tc); j * tc < c1; j++) {
      const box: [number, number, number, number] = [
        i * tr,
        j * tc,
        Math.min(level.shape[ra], (i + 1) * tr),
        Math.min(level.shape[ca], (j + 1) * tc),
      ]
      // Distance of the tile's centre from the view's middle, in screen pixels.
      const dr =
        (((box[0] + box[2]) / 2) * level.factor[ra] - 0.5 - mid[ra]!) * frame.aspect[ra] * frame.scale
      const dc =
        (((box[1] + box[3]) / 2) * level.factor[ca] - 0.5 - mid[ca]!) * frame.aspect[ca] * frame.scale
      tiles.push({
        key: `${levelIndex}/${n}/${index}/${box.join(',')}`,
        level: levelIndex,
        axis: n,
        index,
        box,
        d: Math.hypot(dr, dc),
      })
    }
  tiles.sort((a, b) => a.d - b.d)
  return tiles.map(({ d: _, ...t }) => t)
}

/** Where a tile lands in the view: its top-left corner and size in screen pixels, and whether it is transposed. */
export function tileRect(
  level: LevelInfo,
  tile: TileSpec,
  plane: Plane,
  frame: Frame,
): { x: number; y: number; width: number; height: number; transposed: boolean } {
  const { h, v } = PLANES[plane]
  const [ra] = rowColAxes(tile.axis)
  const transposed = ra !== v
  const [r0, c0, r1, c1] = tile.box
  const [h0, h1] = transposed ? [r0, r1] : [c0, c1]
  const [v0, v1] = transposed ? [c0, c1] : [r0, r1]
  const edge = (axis: Axis, j: number, extentPx: number) =>
    extentPx / 2 + (j * level.factor[axis] - 0.5 - frame.centre[axis]) * frame.aspect[axis] * frame.scale
  const x = edge(h, h0, frame.width)
  const y = edge(v, v0, frame.height)
  return { x, y, width: edge(h, h1, frame.width) - x, height: edge(v, v1, frame.height) - y, transposed }
}

/** Least recently used entries go first once their bytes pass the budget. */
export class ByteLru<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>()
  private used = 0

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.entries.size
  }

  get bytes(): number {
    return this.used
  }

  has(key: string): boolean {
    return this.entries.has(key)
  }

  get(key: string): V | undefined {
    const hit = this.entries.get(key)
    if (!hit) return undefined
    this.entries.delete(key)
    this.entries.set(key, hit)
    return hit.value
  }

  /** Without touching its recency (drawing the coarse layer under a level does not keep it). */
  peek(key: string): V | undefined {
    return this.entries.get(key)?.value
  }

  set(key: string, value: V, bytes: number): void {
    const old = this.entries.get(key)
    if (old) {
      this.used -= old.bytes
      this.entries.delete(key)
    }
    this.entries.set(key, { value, bytes })
    this.used += bytes
    while (this.used > this.maxBytes && this.entries.size > 1) {
      const [oldest, entry] = this.entries.entries().next().value!
      this.entries.delete(oldest)
      this.used -= entry.bytes
    }
  }

  clear(): void {
    this.entries.clear()
    this.used = 0
  }
}
