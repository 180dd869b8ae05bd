import type { Rng } from '../random.ts'
import {
  CYTO_HI,
  CYTO_LO,
  LF_AMP,
  LF_SPACING,
  S_FIELDS,
  S_SEEDS,
  WARP_AMP,
  WARP_SPACING,
} from './constants.ts'
import { Field, RowWarp } from './field.ts'
import type { Capsule, Vec3 } from './geometry.ts'
import { Partition } from './partition.ts'
import { VoxelRecord } from './voxel-record.ts'
import { voxelPass } from './voxel-pass.ts'

/** Inclusive voxel bounds [z0, z1, y0, y1, x0, x1]. */
export type VoxelBox = [number, number, number, number, number, number]

export interface Labels {
  clefts: Uint32Array
  preL: Uint32Array
  postL: Uint32Array
  mito: Uint32Array
  distractors: Uint32Array
  cells: Uint32Array
}

/**
 * What the stages after the voxel pass share: the volume's size, the cells and the warp every object is
 * drawn through, the label and image arrays they write, one scratch record of voxels (each object is
 * scanned, checked, then committed from it), and the capsules of the objects placed so far (later
 * objects keep clear of them).
 */
export interface Scene extends Labels {
  Z: number
  Y: number
  X: number
  YX: number
  N: number
  an: number
  stream: (k: number) => Rng
  texSeed: number
  P: Partition
  nCells: number
  warp: Field
  W: RowWarp
  img: Float32Array
  cellCount: Float64Array
  rec: VoxelRecord
  capsules: Capsule[]
  /** Voxel bbox [z0, z1, y0, y1, x0, x1] (inclusive) of a q-space box centre +- half extents. */
  bbox: (c: Vec3, hz: number, hy: number, hx: number) => VoxelBox
  inVolume: (c: Vec3, mxy: number, mz: number) => boolean
  free: (vi: number) => boolean
}

/** The partition and fields, then the voxel pass: cells, cytoplasm and membranes for every voxel. */
export function buildScene(
  shape: [number, number, number],
  an: number,
  stream: (k: number) => Rng,
  texSeed: number,
  labels: Labels,
): Scene {
  const [Z, Y, X] = shape
  const N = Z * Y * X
  const YX = Y * X
  const { clefts, preL, postL, mito, distractors, cells } = labels
  const extent: Vec3 = [Z * an, Y, X]
  const seedRng = stream(S_SEEDS)
  const P = new Partition(extent, seedRng)
  const nCells = P.n
  const cellBase = new Float64Array(nCells)
  for (let i = 0; i < nCells; i++) cellBase[i] = seedRng.range(CYTO_LO, CYTO_HI)
  const fr = stream(S_FIELDS)
  const warp = new Field(fr, extent, X, WARP_SPACING, 3, WARP_AMP)
  const lf = new Field(fr, extent, X, LF_SPACING, 1, LF_AMP)
  const sliceOff = new Float64Array(Z)
  for (let z = 0; z < Z; z++) sliceOff[z] = fr.normal() * 2.5
  const W = new RowWarp(warp, an)
  const bmargin = WARP_AMP + 1
  const bbox = (c: Vec3, hz: number, hy: number, hx: number): VoxelBox => [
    Math.max(0, Math.floor((c[0] - hz - bmargin) / an)),
    Math.min(Z - 1, Math.ceil((c[0] + hz + bmargin) / an)),
    Math.max(0, Math.floor(c[1] - hy - bmargin)),
    Math.min(Y - 1, Math.ceil(c[1] + hy + bmargin)),
    Math.max(0, Math.floor(c[2] - hx - bmargin)),
    Math.min(X - 1, Math.ceil(c[2] + hx + bmargin)),
  ]
  const inVolume = (c: Vec3, mxy: number, mz: number): boolean => {
    const zmax = (Z - 1) * an
    const mzz = Math.min(mz, zmax / 4)
    const mx = Math.min(mxy, (X - 1) / 4)
    const my = Math.min(mxy, (Y - 1) / 4)
    return (
      c[0] >= mzz &&
      c[0] <= zmax - mzz &&
      c[1] >= my &&
      c[1] <= Y - 1 - my &&
      c[2] >= mx &&
      c[2] <= X - 1 - mx
    )
  }
  const free = (vi: number): boolean =>
    clefts[vi] === 0 && preL[vi] === 0 && postL[vi] === 0 && mito[vi] === 0 && distractors[vi] === 0

  // ---- voxel pass: cells, cytoplasm, membranes ------------------------------------------------------------
  const img = new Float32Array(N)
  const cellCount = new Float64Array(nCells)
  voxelPass(P, warp, lf, [Z, Y, X], an, cellBase, sliceOff, cells, img, cellCount)
  return {
    Z,
    Y,
    X,
    YX,
    N,
    an,
    stream,
    texSeed,
    P,
    nCells,
    warp,
    W,
    img,
    cellCount,
    rec: new VoxelRecord(),
    capsules: [],
    bbox,
    inVolume,
    free,
    ...labels,
  }
}

/** Visits the voxels of seed `cell`'s cell inside `box`, with the row warp W at each one's warped position. */
export function eachCellVoxel(scene: Scene, cell: number, box: VoxelBox, visit: (vi: number) => void): void {
  const { W, X, YX, cells } = scene
  const [z0, z1, y0, y1, x0, x1] = box
  const cellId = cell + 1
  for (let z = z0; z <= z1; z++)
    for (let y = y0; y <= y1; y++) {
      W.row(z, y)
      for (let x = x0; x <= x1; x++) {
        const vi = z * YX + y * X + x
        if (cells[vi] !== cellId) continue
        W.at(x)
        visit(vi)
      }
    }
}
