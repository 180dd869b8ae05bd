import type { Region } from '../volume/index.ts'
import type { LabeledRuns } from './label.ts'

/** One component of a labeled volume: what the ROI table and rois.csv hold. */
export interface ComponentRecord {
  id: number
  /** Half-open box in voxels. */
  z0: number
  y0: number
  x0: number
  z1: number
  y1: number
  x1: number
  voxels: number
  /** Centroid in voxels. */
  cz: number
  cy: number
  cx: number
  /** Mean and maximum of the thresholded volume's values over the component. */
  mean: number
  max: number
}

/** Float64 statistics per provisional id, then its box (int32): the layout of columns(). */
export const FIELDS = ['voxels', 'sz', 'sy', 'sx', 'sum', 'max', 'first'] as const
export const BOX = ['z0', 'y0', 'x0', 'z1', 'y1', 'x1'] as const

/**
 * Statistics per provisional component (a component of one block), a union-find over them, and the
 * final numbering. Ids start at 1; columns grow by doubling.
 */
export class ProvisionalTable {
  /** The highest provisional id handed out. */
  count = 0
  /** Rows and columns of the volume: a voxel's raster index orders first voxels. */
  constructor(
    private readonly ny: number,
    private readonly nx: number,
  ) {}

  private capacity = 0
  private parent = new Int32Array(0)
  private readonly f: Record<(typeof FIELDS)[number], Float64Array> = Object.fromEntries(
    FIELDS.map((k) => [k, new Float64Array(0)]),
  ) as never
  private readonly box: Record<(typeof BOX)[number], Int32Array> = Object.fromEntries(
    BOX.map((k) => [k, new Int32Array(0)]),
  ) as never

  private grow(need: number): void {
    if (need < this.capacity) return
    let capacity = Math.max(1024, this.capacity)
    while (capacity <= need) capacity *= 2
    const parent = new Int32Array(capacity)
    parent.set(this.parent)
    this.parent = parent
    for (const k of FIELDS) {
      const a = new Float64Array(capacity)
      a.set(this.f[k])
      this.f[k] = a
    }
    for (const k of BOX) {
      const a = new Int32Array(capacity)
      a.set(this.box[k])
      this.box[k] = a
    }
    this.capacity = capacity
  }

  /**
   * Adds one block's components as ids offset + 1 .. offset + runs.count, with their statistics from the
   * runs. `value(i)` reads the value at index i of the block's value array (block voxel (z, y, x) at
   * origin + z * vz + y * vy + x).
   */
  addBlock(
    runs: LabeledRuns,
    region: Region,
    offset: number,
    value: (i: number) => number,
    origin: number,
    vy: number,
    vz: number,
  ): void {
    const n = runs.count
    this.grow(offset + n)
    const { voxels, sz, sy, sx, sum, max, first } = this.f
    const { z0, y0, x0, z1, y1, x1 } = this.box
    for (let id = offset + 1; id <= offset + n; id++) {
      this.parent[id] = id
      voxels[id] = 0
      max[id] = -Infinity
      first[id] = -1
    }
    const bh = region.y1 - region.y0
    const rows = runs.rowStart.length - 1
    for (let row = 0; row < rows; row++) {
      const z = Math.floor(row / bh)
      const y = row - z * bh
      const gz = region.z0 + z
      const gy = region.y0 + y
      for (let k = runs.rowStart[row]!; k < runs.rowStart[row + 1]!; k++) {
        const id = offset + runs.label[k]!
        const s = runs.starts[k]!
        const e = runs.ends[k]!
        const len = e - s
        const gx0 = region.x0 + s
        if (voxels[id] === 0) {
          // Runs come in raster order, so a component's first run holds its first voxel.
          first[id] = (gz * this.ny + gy) * this.nx + gx0
          z0[id] = gz
          y0[id] = gy
          x0[id] = gx0
          z1[id] = gz + 1
          y1[id] = gy + 1
          x1[id] = gx0 + len
        } else {
          if (gy < y0[id]!) y0[id] = gy
          if (gx0 < x0[id]!) x0[id] = gx0
          z1[id] = gz + 1
          if (gy + 1 > y1[id]!) y1[id] = gy + 1
          if (gx0 + len > x1[id]!) x1[id] = gx0 + len
        }
        voxels[id]! += len
        sz[id]! += gz * len
        sy[id]! += gy * len
        sx[id]! += len * gx0 + (len * (len - 1)) / 2
        let total = 0
        let top = max[id]!
        const base = origin + z * vz + y * vy
        for (let x = s; x < e; x++) {
          const v = value(base + x)
          total += v
          if (v > top) top = v
        }
        sum[id]! += total
        max[id] = top
      }
    }
    this.count = offset + n
  }

  /**
   * The statistics of ids from + 1 .. from + n, field by field (7 float64 fields, then 6 int32 box
   * fields, n values each): what a block job hands the merge, which adds them back with addColumns.
   */
  columns(from: number, n: number): { stats: Float64Array; box: Int32Array } {
    const stats = new Float64Array(FIELDS.length * n)
    const box = new Int32Array(BOX.length * n)
    FIELDS.forEach((k, i) => stats.set(this.f[k].subarray(from + 1, from + 1 + n), i * n))
    BOX.forEach((k, i) => box.set(this.box[k].subarray(from + 1, from + 1 + n), i * n))
    return { stats, box }
  }

  /** Adds ids offset + 1 .. offset + n with the statistics columns() gave for them in another table. */
  addColumns(offset: number, n: number, stats: Float64Array, box: Int32Array): void {
    this.grow(offset + n)
    for (let id = offset + 1; id <= offset + n; id++) this.parent[id] = id
    FIELDS.forEach((k, i) => this.f[k].set(stats.subarray(i * n, (i + 1) * n), offset + 1))
    BOX.forEach((k, i) => this.box[k].set(box.subarray(i * n, (i + 1) * n), offset + 1))
    this.count = offset + n
  }

  private find(a: number): number {
    const p = this.parent
    while (p[a] !== a) {
      const g = p[p[a]!]!
      p[a] = g
      a = g
    }
    return a
  }

  /** Joins two provisional components; the one with the earlier first voxel becomes the root. */
  union(a: number, b: number): void {
    let ra = this.find(a)
    let rb = this.find(b)
    if (ra === rb) return
    if (this.f.first[rb]! < this.f.first[ra]!) [ra, rb] = [rb, ra]
    this.parent[rb] = ra
  }

  /**
   * Merges every provisional component into its root, keeps the roots within [minSize, maxSize] voxels,
   * numbers them by first voxel and returns their records and the provisional-to-final map (0: dropped).
   */
  finish(minSize: number, maxSize: number): { components: ComponentRecord[]; finalOf: Uint32Array } {
    const { voxels, sz, sy, sx, sum, max, first } = this.f
    const { z0, y0, x0, z1, y1, x1 } = this.box
    const n = this.count
    for (let id = 1; id <= n; id++) {
      const r = this.find(id)
      if (r === id) continue
      voxels[r]! += voxels[id]!
      sz[r]! += sz[id]!
      sy[r]! += sy[id]!
      sx[r]! += sx[id]!
      sum[r]! += sum[id]!
      if (max[id]! > max[r]!) max[r] = max[id]!
      if (z0[id]! < z0[r]!) z0[r] = z0[id]!
      if (y0[id]! < y0[r]!) y0[r] = y0[id]!
      if (x0[id]! < x0[r]!) x0[r] = x0[id]!
      if (z1[id]! > z1[r]!) z1[r] = z1[id]!
      if (y1[id]! > y1[r]!) y1[r] = y1[id]!
      if (x1[id]! > x1[r]!) x1[r] = x1[id]!
    }
    const roots: number[] = []
    for (let id = 1; id <= n; id++) {
      if (this.parent[id] === id && voxels[id]! >= minSize && voxels[id]! <= maxSize) roots.push(id)
    }
    roots.sort((a, b) => first[a]! - first[b]!)
    const finalOfRoot = new Uint32Array(n + 1)
    const components = roots.map((r, i): ComponentRecord => {
      finalOfRoot[r] = i + 1
      const v = voxels[r]!
      return {
        id: i + 1,
        z0: z0[r]!,
        y0: y0[r]!,
        x0: x0[r]!,
        z1: z1[r]!,
        y1: y1[r]!,
        x1: x1[r]!,
        voxels: v,
        cz: sz[r]! / v,
        cy: sy[r]! / v,
        cx: sx[r]! / v,
        mean: sum[r]! / v,
        max: max[r]!,
      }
    })
    const finalOf = new Uint32Array(n + 1)
    for (let id = 1; id <= n; id++) finalOf[id] = finalOfRoot[this.find(id)]!
    return { components, finalOf }
  }
}
