import type { Region, Shape3 } from '../volume/index.ts'
import type { Connectivity, LabeledRuns } from './label.ts'

/**
 * A block's six faces as its own labels (0: background): all the joining across block faces needs,
 * so a merge can join blocks labeled by other processes from these planes alone.
 */
export interface Faces {
  /** z = 0 and z = depth - 1: height x width. */
  lowZ: Uint32Array
  highZ: Uint32Array
  /** y = 0 and y = height - 1 of every z: depth x width. */
  lowY: Uint32Array
  highY: Uint32Array
  /** x = 0 and x = width - 1 of every (z, y): depth x height. */
  lowX: Uint32Array
  highX: Uint32Array
}

export const FACE_NAMES = ['lowZ', 'highZ', 'lowY', 'highY', 'lowX', 'highX'] as const

export function faceLengths([bd, bh, bw]: Shape3): number[] {
  return [bh * bw, bh * bw, bd * bw, bd * bw, bd * bh, bd * bh]
}

export function facesOf(runs: LabeledRuns, [bd, bh, bw]: Shape3): Faces {
  const f: Faces = {
    lowZ: new Uint32Array(bh * bw),
    highZ: new Uint32Array(bh * bw),
    lowY: new Uint32Array(bd * bw),
    highY: new Uint32Array(bd * bw),
    lowX: new Uint32Array(bd * bh),
    highX: new Uint32Array(bd * bh),
  }
  const { rowStart, starts, ends, label } = runs
  for (let z = 0; z < bd; z++)
    for (let y = 0; y < bh; y++) {
      const row = z * bh + y
      const k0 = rowStart[row]!
      const k1 = rowStart[row + 1]!
      if (k0 === k1) continue
      if (z === 0 || z === bd - 1 || y === 0 || y === bh - 1)
        for (let k = k0; k < k1; k++) {
          const l = label[k]!
          const s = starts[k]!
          const e = ends[k]!
          if (z === 0) f.lowZ.fill(l, y * bw + s, y * bw + e)
          if (z === bd - 1) f.highZ.fill(l, y * bw + s, y * bw + e)
          if (y === 0) f.lowY.fill(l, z * bw + s, z * bw + e)
          if (y === bh - 1) f.highY.fill(l, z * bw + s, z * bw + e)
        }
      if (starts[k0] === 0) f.lowX[row] = label[k0]!
      if (ends[k1 - 1] === bw) f.highX[row] = label[k1 - 1]!
    }
  return f
}

/** How many of dz, dy, dx may be non-zero in a neighbor offset of each connectivity. */
const NONZERO: Record<Connectivity, number> = { 6: 1, 18: 2, 26: 3 }

function offsets(c: Connectivity, filter: (dz: number, dy: number, dx: number) => boolean): number[][] {
  const out: number[][] = []
  for (let dz = -1; dz <= 1; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const n = (dz !== 0 ? 1 : 0) + (dy !== 0 ? 1 : 0) + (dx !== 0 ? 1 : 0)
        if (n > 0 && n <= NONZERO[c] && filter(dz, dy, dx)) out.push([dz, dy, dx])
      }
  return out
}

/**
 * Joins blocks, visited in raster order of blocks, with the already-visited voxels across their three
 * low faces (z0, y0, x0). Those voxels are kept as three stores of provisional ids: the plane just below
 * the current layer of blocks (Y x X), the row just before the current row of blocks (depth x X) and the
 * column just before the current block (depth x height), so memory is one plane whatever the depth.
 */
export class FaceJoiner {
  // Neighbors across the three low faces, by which store holds them. Across y and x a neighbor outside
  // the block's z (or y) range is either handled by an earlier face (below the layer) or not labeled yet
  // (a later layer or row), which joins it from its own side.
  private readonly acrossZ: number[][]
  private readonly acrossY: number[][]
  private readonly acrossX: number[][]
  private below = new Uint32Array(0)
  private belowNext = new Uint32Array(0)
  private before = new Uint32Array(0)
  private beforeNext = new Uint32Array(0)
  private left = new Uint32Array(0)

  constructor(
    private readonly shape: Shape3,
    connectivity: Connectivity,
    private readonly union: (a: number, b: number) => void,
  ) {
    this.acrossZ = offsets(connectivity, (dz) => dz === -1)
    this.acrossY = offsets(connectivity, (_dz, dy) => dy === -1)
    this.acrossX = offsets(connectivity, (_dz, _dy, dx) => dx === -1)
  }

  /** The next block in raster order: `faces` in its own labels, which are provisional ids minus `offset`. */
  add(region: Region, faces: Faces, offset: number): void {
    const [, Y, X] = this.shape
    const bd = region.z1 - region.z0
    const bh = region.y1 - region.y0
    const bw = region.x1 - region.x0
    if (region.y0 === 0 && region.x0 === 0) {
      // A new layer of blocks: the plane written by the last layer becomes the one below.
      ;[this.below, this.belowNext] = [this.belowNext, this.below]
      if (this.belowNext.length !== Y * X) this.belowNext = new Uint32Array(Y * X)
      if (this.before.length !== bd * X) {
        this.before = new Uint32Array(bd * X)
        this.beforeNext = new Uint32Array(bd * X)
      }
      this.left = new Uint32Array(bd * bh)
    }
    if (region.x0 === 0) {
      ;[this.before, this.beforeNext] = [this.beforeNext, this.before]
      if (this.left.length !== bd * bh) this.left = new Uint32Array(bd * bh)
    }
    const { below, before, left, union } = this
    const join = (g: number, other: number): void => {
      if (other !== 0) union(g, other)
    }
    if (region.z0 > 0) {
      for (let y = 0; y < bh; y++)
        for (let x = 0; x < bw; x++) {
          const l = faces.lowZ[y * bw + x]!
          if (l === 0) continue
          const gy = region.y0 + y
          const gx = region.x0 + x
          for (const [, dy, dx] of this.acrossZ) {
            const ny = gy + dy!
            const nx = gx + dx!
            if (ny >= 0 && ny < Y && nx >= 0 && nx < X) join(offset + l, below[ny * X + nx]!)
          }
        }
    }
    if (region.y0 > 0) {
      for (let z = 0; z < bd; z++)
        for (let x = 0; x < bw; x++) {
          const l = faces.lowY[z * bw + x]!
          if (l === 0) continue
          const gx = region.x0 + x
          for (const [dz, , dx] of this.acrossY) {
            const nz = z + dz!
            const nx = gx + dx!
            if (nz >= 0 && nz < bd && nx >= 0 && nx < X) join(offset + l, before[nz * X + nx]!)
          }
        }
    }
    if (region.x0 > 0) {
      for (let z = 0; z < bd; z++)
        for (let y = 0; y < bh; y++) {
          const l = faces.lowX[z * bh + y]!
          if (l === 0) continue
          for (const [dz, dy] of this.acrossX) {
            const nz = z + dz!
            const ny = y + dy!
            if (nz >= 0 && nz < bd && ny >= 0 && ny < bh) join(offset + l, left[nz * bh + ny]!)
          }
        }
    }
    // This block's high faces, for the blocks after it.
    const g = (l: number): number => (l === 0 ? 0 : offset + l)
    for (let y = 0; y < bh; y++) {
      const base = (region.y0 + y) * X + region.x0
      for (let x = 0; x < bw; x++) this.belowNext[base + x] = g(faces.highZ[y * bw + x]!)
    }
    for (let z = 0; z < bd; z++) {
      const base = z * X + region.x0
      for (let x = 0; x < bw; x++) this.beforeNext[base + x] = g(faces.highY[z * bw + x]!)
    }
    for (let i = 0; i < bd * bh; i++) left[i] = g(faces.highX[i]!)
  }
}
