import type { Shape3 } from '../volume/index.ts'

/** 6: faces; 18: faces and edges; 26: faces, edges and corners (scipy's generate_binary_structure(3, 1|2|3)). */
export type Connectivity = 6 | 18 | 26

export interface Components {
  /** 0 for background, 1..count for the components, numbered in raster (z, y, x) order of their first voxel. */
  labels: Uint32Array
  count: number
}

/**
 * The rows already scanned that can touch a run in row (z, y): [dz, dy, tolerance]. A tolerance of 1 lets
 * runs that only meet diagonally in x connect (offsets with dx = ±1), 0 asks for a shared x. A neighbor
 * offset (dz, dy, dx) is allowed when its number of non-zero components fits the connectivity.
 */
const NEIGHBOR_ROWS: Record<Connectivity, ReadonlyArray<readonly [number, number, number]>> = {
  6: [
    [0, -1, 0],
    [-1, 0, 0],
  ],
  18: [
    [0, -1, 1],
    [-1, -1, 0],
    [-1, 0, 1],
    [-1, 1, 0],
  ],
  26: [
    [0, -1, 1],
    [-1, -1, 1],
    [-1, 0, 1],
    [-1, 1, 1],
  ],
}

/**
 * The foreground of a mask as x-runs, each with its component: the compact form the block-wise labeling
 * and the ROI statistics work on (their cost follows the foreground, not the volume).
 */
export interface LabeledRuns {
  /** Row r = z * ny + y owns runs rowStart[r] .. rowStart[r + 1] - 1, in x order. */
  rowStart: Int32Array
  /** [start, end) in x of each run. */
  starts: Int32Array
  ends: Int32Array
  /** Component of each run, 1..count in raster order of the component's first voxel. */
  label: Uint32Array
  runs: number
  count: number
}

/**
 * Connected components of a binary mask (any non-zero byte is foreground), C-ordered with shape [z, y, x].
 *
 * Run-based two-pass labeling: pass one collects the x-runs of foreground of every row, pass two joins runs
 * of neighboring rows in a union-find (union by size, path halving), pass three numbers the components.
 * Runs are visited in raster order, so the first run of a component holds its first voxel and the
 * numbering is the one scipy.ndimage.label gives. Work is proportional to the voxels scanned plus the runs;
 * extra memory is 16 bytes per run (at most 8 bytes per voxel for a checkerboard) plus 4 bytes per row.
 */
export function labelRuns(mask: Uint8Array, shape: Shape3, connectivity: Connectivity = 26): LabeledRuns {
  const [nz, ny, nx] = shape
  const total = nz * ny * nx
  if (mask.length !== total) throw new Error(`mask of ${mask.length} voxels for shape ${shape.join('x')}`)
  const neighbors = NEIGHBOR_ROWS[connectivity]
  if (!neighbors) throw new Error(`connectivity must be 6, 18 or 26, got ${String(connectivity)}`)

  // Pass 1: runs [start, end) in x of every row.
  const rows = nz * ny
  const rowStart = new Int32Array(rows + 1)
  let capacity = 1024
  let starts = new Int32Array(capacity)
  let ends = new Int32Array(capacity)
  let runs = 0
  for (let row = 0, base = 0; row < rows; row++, base += nx) {
    rowStart[row] = runs
    const stop = base + nx
    let i = base
    while (i < stop) {
      while (i < stop && mask[i] === 0) i++
      if (i === stop) break
      const s = i
      while (i < stop && mask[i] !== 0) i++
      if (runs === capacity) {
        capacity *= 2
        const grownStarts = new Int32Array(capacity)
        grownStarts.set(starts)
        starts = grownStarts
        const grownEnds = new Int32Array(capacity)
        grownEnds.set(ends)
        ends = grownEnds
      }
      starts[runs] = s - base
      ends[runs] = i - base
      runs++
    }
  }
  rowStart[rows] = runs

  // Pass 2: union-find over runs.
  const parent = new Int32Array(runs)
  const size = new Int32Array(runs)
  for (let r = 0; r < runs; r++) {
    parent[r] = r
    size[r] = 1
  }
  const find = (r: number): number => {
    while (parent[r] !== r) {
      const grand = parent[parent[r]!]!
      parent[r] = grand
      r = grand
    }
    return r
  }
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const row = z * ny + y
      const a0 = rowStart[row]!
      const a1 = rowStart[row + 1]!
      if (a0 === a1) continue
      for (const [dz, dy, tolerance] of neighbors) {
        const zz = z + dz
        const yy = y + dy
        if (zz < 0 || yy < 0 || yy >= ny) continue
        const other = zz * ny + yy
        let j = rowStart[other]!
        const b1 = rowStart[other + 1]!
        let i = a0
        // Runs in a row are separated by at least one background voxel, so advancing the run that ends
        // first never skips a touching pair when the tolerance is 0 or 1.
        while (i < a1 && j < b1) {
          const e1 = ends[i]!
          const e2 = ends[j]!
          if (starts[i]! < e2 + tolerance && starts[j]! < e1 + tolerance) {
            let ri = find(i)
            let rj = find(j)
            if (ri !== rj) {
              if (size[ri]! < size[rj]!) {
                const t = ri
                ri = rj
                rj = t
              }
              parent[rj] = ri
              size[ri]! += size[rj]!
            }
          }
          if (e1 < e2) i++
          else j++
        }
      }
    }
  }

  // Pass 3: number the roots in the order their first run appears (runs are in raster order).
  const labelOfRoot = new Uint32Array(runs)
  const label = new Uint32Array(runs)
  let count = 0
  for (let r = 0; r < runs; r++) {
    const root = find(r)
    let l = labelOfRoot[root]!
    if (l === 0) l = labelOfRoot[root] = ++count
    label[r] = l
  }
  return {
    rowStart,
    starts: starts.subarray(0, runs),
    ends: ends.subarray(0, runs),
    label,
    runs,
    count,
  }
}

/** Writes each run's label into a [z, y, x] label array (zeroed first). */
export function paintRuns(r: LabeledRuns, nx: number, labels: Uint32Array, map?: Uint32Array): Uint32Array {
  labels.fill(0)
  const rows = r.rowStart.length - 1
  for (let row = 0, base = 0; row < rows; row++, base += nx) {
    const r1 = r.rowStart[row + 1]!
    for (let k = r.rowStart[row]!; k < r1; k++) {
      const l = map ? map[r.label[k]!]! : r.label[k]!
      if (l !== 0) labels.fill(l, base + r.starts[k]!, base + r.ends[k]!)
    }
  }
  return labels
}

/**
 * Connected components of a binary mask as a label array (see labelRuns). `out`, when given, must hold
 * exactly one element per voxel; it is overwritten and returned as `labels`.
 */
export function labelComponents(
  mask: Uint8Array,
  shape: Shape3,
  connectivity: Connectivity = 26,
  out?: Uint32Array,
): Components {
  const total = shape[0] * shape[1] * shape[2]
  if (out && out.length !== total)
    throw new Error(`output of ${out.length} voxels for shape ${shape.join('x')}`)
  const runs = labelRuns(mask, shape, connectivity)
  return { labels: paintRuns(runs, shape[2], out ?? new Uint32Array(total)), count: runs.count }
}

/** Voxels per label: index 0 is the background, 1..count the components. */
export function componentSizes(labels: Uint32Array, count: number): Float64Array {
  const sizes = new Float64Array(count + 1)
  for (let i = 0; i < labels.length; i++) sizes[labels[i]!]!++
  return sizes
}
