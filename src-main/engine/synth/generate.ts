/**
 * Deterministic synthetic serial-section EM volume with ground truth.
 *
 * The scene is built in a "warped physical space" q = P(p) + W(P(p)), where P scales the z voxel index by
 * the anisotropy (so distances are isotropic) and W is a smooth, small displacement field that bends the
 * otherwise flat Voronoi faces. Every object (cells, clefts, mitochondria, distractors, vesicles) is defined
 * analytically in q-space and rasterised by evaluating q at each voxel, so labels and image always agree.
 *
 * - cells: power-Voronoi partition of jittered-grid seeds (one per ~40^3 physical voxels)
 * - membranes: dark band around every face, blurred in z according to the face tilt (section thickness)
 * - synapses: elliptic cleft disc on a face between an "axon" (pre) and a "dendrite" (post) cell, a light
 *   cleft gap between a thin pre-synaptic density and a thick post-synaptic density, a vesicle cloud on the
 *   pre side; `pre`/`post` label slabs next to the cleft, each clipped to its cell
 * - mitochondria: rotated elongated ellipsoids fully inside a cell, dark rim, transverse cristae
 * - distractors: round, dark, granular lysosome-like blobs (not targets)
 * - cytoplasm: per-cell brightness + low-frequency field + per-section offset; light xy blur; Gaussian noise
 */
import { createRng, hashSeed, type Rng } from '../random.ts'
import { S_TEX, XY_NM } from './constants.ts'
import { finishImage } from './finish-image.ts'
import { placeDistractors } from './distractors.ts'
import { dot, normalize, type Vec3 } from './geometry.ts'
import { placeMitochondria } from './mitochondria.ts'
import { buildScene } from './scene.ts'
import { placeSynapses } from './synapses.ts'
import { scatterVesicles } from './vesicles.ts'

export interface SynthOptions {
  shape: [number, number, number] // z, y, x
  seed: number
  /** z voxel size / xy voxel size, default 4 */
  anisotropy?: number
}

export interface SynthSynapse {
  id: number
  /** centroid of the cleft voxels, voxel coordinates (z, y, x), fractional */
  center: [number, number, number]
  /** unit vector from pre to post (pre label centroid -> post label centroid), physical units (z scaled), z,y,x */
  normal: [number, number, number]
  preCell: number
  postCell: number
}

export interface SynthVolume {
  shape: [number, number, number]
  resolutionNm: [number, number, number]
  raw: Uint8Array
  clefts: Uint32Array
  pre: Uint32Array
  post: Uint32Array
  mito: Uint32Array
  distractors: Uint32Array
  cells: Uint32Array
  synapses: SynthSynapse[]
  counts: { synapses: number; mitochondria: number; distractors: number; cells: number }
}

export function generateSynthetic(options: SynthOptions): SynthVolume {
  const shape = options.shape
  const Z = Math.max(0, Math.floor(shape[0]))
  const Y = Math.max(0, Math.floor(shape[1]))
  const X = Math.max(0, Math.floor(shape[2]))
  const an = options.anisotropy ?? 4
  if (!(an > 0) || !Number.isFinite(an)) throw new Error(`anisotropy must be a positive number, got ${an}`)
  if (!Number.isFinite(options.seed)) throw new Error(`seed must be a finite number, got ${options.seed}`)
  const seed = options.seed
  const N = Z * Y * X
  const stream = (k: number): Rng => createRng(hashSeed(seed, k))
  const texSeed = hashSeed(seed, S_TEX) | 0

  const raw = new Uint8Array(N)
  const clefts = new Uint32Array(N)
  const preL = new Uint32Array(N)
  const postL = new Uint32Array(N)
  const mito = new Uint32Array(N)
  const distractors = new Uint32Array(N)
  const cells = new Uint32Array(N)
  const result = (synapses: SynthSynapse[], nm: number, nd: number, nc: number): SynthVolume => ({
    shape: [Z, Y, X],
    resolutionNm: [XY_NM * an, XY_NM, XY_NM],
    raw,
    clefts,
    pre: preL,
    post: postL,
    mito,
    distractors,
    cells,
    synapses,
    counts: { synapses: synapses.length, mitochondria: nm, distractors: nd, cells: nc },
  })
  if (N === 0) return result([], 0, 0, 0)

  const scene = buildScene([Z, Y, X], an, stream, texSeed, { clefts, preL, postL, mito, distractors, cells })
  const { nCells, cellCount } = scene
  const { synDefs, synSums } = placeSynapses(scene)
  const nMito = placeMitochondria(scene)
  const nDist = placeDistractors(scene)
  scatterVesicles(scene)
  finishImage(scene, raw)

  // ---- cell renumbering (drops empty cells, normally none) -------------------------------------------------
  const cellMap = new Uint32Array(nCells + 1)
  let nc = 0
  for (let i = 0; i < nCells; i++) if (cellCount[i]! > 0) cellMap[i + 1] = ++nc
  if (nc !== nCells) for (let v = 0; v < N; v++) cells[v] = cellMap[cells[v]!]!

  // ---- synapse records ----------------------------------------------------------------------------------
  const r2d = (x: number): number => Math.round(x * 100) / 100
  const synapses: SynthSynapse[] = synDefs.map((s, k) => {
    const b = k * 12
    const cen = (o: number): Vec3 => {
      const cnt = synSums[b + o + 3]! || 1
      return [synSums[b + o]! / cnt, synSums[b + o + 1]! / cnt, synSums[b + o + 2]! / cnt]
    }
    const cc = cen(0)
    const pc = cen(4)
    const qc = cen(8)
    let nrm = normalize([(qc[0] - pc[0]) * an, qc[1] - pc[1], qc[2] - pc[2]])
    if (dot(nrm, s.n) < 0.3) nrm = s.n // degenerate slabs: fall back to the analytic face normal
    return {
      id: k + 1,
      center: [r2d(cc[0]), r2d(cc[1]), r2d(cc[2])],
      normal: [nrm[0], nrm[1], nrm[2]],
      preCell: cellMap[s.pre + 1]!,
      postCell: cellMap[s.post + 1]!,
    }
  })

  return result(synapses, nMito, nDist, nc)
}
