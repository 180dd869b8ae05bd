import { CELL, S_DIST } from './constants.ts'
import { capsulesClear, clamp01, hash3, jitter, type Capsule, type Vec3 } from './geometry.ts'
import { eachCellVoxel, type Scene } from './scene.ts'

export interface BlobDef {
  cell: number
  c: Vec3
  r: Vec3 // radii along z, y, x
  tex: number
}

function scanBlob(scene: Scene, b: BlobDef): number {
  const { W, rec, bbox, free } = scene
  const { c, r } = b
  rec.clear()
  eachCellVoxel(scene, b.cell, bbox(c, r[0] + 0.5, r[1] + 0.5, r[2] + 0.5), (vi) => {
    const tz = (W.qz - c[0]) / r[0]
    const ty = (W.qy - c[1]) / r[1]
    const tx = (W.qx - c[2]) / r[2]
    const qn = tz * tz + ty * ty + tx * tx
    if (qn > 1 || !free(vi)) return
    rec.push(vi, 0, W.qz, W.qy, W.qx, qn)
  })
  return rec.n
}

function commitBlob(scene: Scene, b: BlobDef, id: number): void {
  const { rec, YX, distractors, img } = scene
  const rmin = Math.min(b.r[0], b.r[1], b.r[2])
  rec.each((vi, qz, qy, qx, qn) => {
    const z = Math.floor(vi / YX)
    distractors[vi] = id
    const ds = (1 - Math.sqrt(qn)) * rmin
    // granular content with a few light inclusions and a dark rim
    const g = hash3(Math.floor(qx / 1.7), Math.floor(qy / 1.7), Math.floor(qz / 3), b.tex)
    let val = 74 + 46 * (g - 0.5)
    const g2 = hash3(Math.floor(qx / 2.3), Math.floor(qy / 2.3), z, b.tex ^ 0x2545f491)
    if (g2 > 0.9 && ds > 1.5) val = 135
    val += (48 - val) * clamp01((1.6 - ds) / 0.8)
    img[vi] = val
  })
}

/** Lysosome-like blobs (not targets), clear of the synapses, mitochondria and each other; returns how many. */
export function placeDistractors(scene: Scene): number {
  const { stream, nCells, P, capsules, inVolume } = scene
  let nDist = 0
  const dr = stream(S_DIST)
  const target = Math.max(1, Math.round(nCells / 10))
  const axes: Vec3[] = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ]
  const blobs: Capsule[] = []
  for (let attempt = 0; attempt < target * 40 && nDist < target; attempt++) {
    const i = dr.int(0, nCells)
    const c = jitter(dr, P.seed(i), 0.4 * CELL)
    const r = dr.range(4, 8)
    const rr: Vec3 = [r * dr.range(0.85, 1.15), r * dr.range(0.85, 1.15), r * dr.range(0.85, 1.15)]
    const tex = (dr.next() * 4294967296) | 0
    if (!inVolume(c, 2, 0)) continue
    if (!P.ellipsoidInCell(i, c, axes, rr, 1.2)) continue
    const cap: Capsule = { a: c, b: c, r: Math.max(rr[0], rr[1], rr[2]) + 1 }
    if (!capsulesClear(cap, capsules, 3) || !capsulesClear(cap, blobs, 2)) continue
    const def: BlobDef = { cell: i, c, r: rr, tex }
    if (scanBlob(scene, def) < 12) continue
    nDist++
    commitBlob(scene, def, nDist)
    blobs.push(cap)
  }
  return nDist
}
