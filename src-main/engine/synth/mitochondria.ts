import { CELL, S_MITO } from './constants.ts'
import {
  capsulesClear,
  clamp01,
  jitter,
  normalize,
  planeBasis,
  randomUnit,
  type Capsule,
  type Vec3,
} from './geometry.ts'
import { eachCellVoxel, type Scene } from './scene.ts'

export interface MitoDef {
  cell: number
  c: Vec3
  e1: Vec3
  e2: Vec3
  e3: Vec3
  r1: number
  r2: number
  r3: number
  period: number
  phase: number
  psi: number
  base: number
}

/** Scan one mitochondrion (inside, in its cell, not yet labelled) into rec; returns the voxel count. */
function scanMito(scene: Scene, m: MitoDef): number {
  const { W, rec, bbox, free } = scene
  const { c, e1, e2, e3, r1, r2, r3 } = m
  const ext = (k: 0 | 1 | 2): number => Math.hypot(r1 * e1[k], r2 * e2[k], r3 * e3[k]) + 0.5
  const i1 = 1 / (r1 * r1)
  const i2 = 1 / (r2 * r2)
  const i3 = 1 / (r3 * r3)
  rec.clear()
  eachCellVoxel(scene, m.cell, bbox(c, ext(0), ext(1), ext(2)), (vi) => {
    const rz = W.qz - c[0]
    const ry = W.qy - c[1]
    const rx = W.qx - c[2]
    const a1 = rz * e1[0] + ry * e1[1] + rx * e1[2]
    const a2 = rz * e2[0] + ry * e2[1] + rx * e2[2]
    const a3 = rz * e3[0] + ry * e3[1] + rx * e3[2]
    const qn = a1 * a1 * i1 + a2 * a2 * i2 + a3 * a3 * i3
    if (qn > 1 || !free(vi)) return
    rec.push(vi, 0, a1, a2, a3, qn)
  })
  return rec.n
}

function commitMito(scene: Scene, m: MitoDef, id: number): void {
  const { rec, mito, img } = scene
  const i1 = 1 / (m.r1 * m.r1)
  const i2 = 1 / (m.r2 * m.r2)
  const i3 = 1 / (m.r3 * m.r3)
  const k = (2 * Math.PI) / m.period
  rec.each((vi, a1, a2, a3, qn) => {
    mito[vi] = id
    // distance to the surface, first order
    const gl = 2 * Math.sqrt(a1 * a1 * i1 * i1 + a2 * a2 * i2 * i2 + a3 * a3 * i3 * i3)
    const ds = gl > 1e-9 ? (1 - qn) / gl : 99
    // transverse cristae: wavy dark lamellae across the long axis
    const s = Math.cos(a1 * k + m.phase + 0.9 * Math.sin(a2 * 0.5 + m.psi) + 0.5 * Math.sin(a3 * 0.6))
    const wc = clamp01((s - 0.5) / 0.3) * clamp01(ds - 1.6)
    let val = m.base + (70 - m.base) * wc
    val += (62 - val) * clamp01((1.9 - ds) / 0.6)
    img[vi] = val
  })
}

/** Mitochondria inside the cells, clear of the synapses and of each other; returns how many. */
export function placeMitochondria(scene: Scene): number {
  const { stream, nCells, P, capsules, inVolume } = scene
  let nMito = 0
  const mr = stream(S_MITO)
  const levels = [
    { perCell: 2, l: [11, 24], s: [4.5, 8], margin: 3, spacing: 1.5, tries: 80 },
    { perCell: 1, l: [6, 10], s: [3, 4.5], margin: 2, spacing: 0, tries: 60 },
  ]
  for (const lv of levels) {
    if (nMito > 0) break
    for (let i = 0; i < nCells; i++) {
      const want = lv.perCell === 1 ? 1 : mr.next() < 0.45 ? 1 : 2
      let placed = 0
      for (let attempt = 0; attempt < lv.tries && placed < want; attempt++) {
        const c = jitter(mr, P.seed(i), 0.35 * CELL)
        const r2 = mr.range(lv.s[0]!, lv.s[1]!)
        const r3 = r2 * mr.range(0.75, 1.05)
        let r1 = Math.max(r2 * 1.3, mr.range(lv.l[0]!, lv.l[1]!))
        // long axis biased towards the section plane
        const d = randomUnit(mr)
        const e1 = normalize([d[0] * 0.6, d[1], d[2]])
        const [e2, e3] = planeBasis(e1, mr.next() * Math.PI)
        const period = mr.range(5, 7)
        const phase = mr.next() * 2 * Math.PI
        const psi = mr.next() * 2 * Math.PI
        const base = mr.range(112, 124)
        if (!inVolume(c, 2, 0)) continue
        P.locate(c)
        if (P.i1 !== i || P.h < r2 + lv.margin) continue
        let fits = false
        for (; r1 >= r2 * 1.25 && !fits; r1 *= 0.85)
          fits = P.ellipsoidInCell(i, c, [e1, e2, e3], [r1, r2, r3], lv.margin)
        if (!fits) continue
        r1 /= 0.85
        const hl = Math.max(0, r1 - r2)
        const cap: Capsule = {
          a: [c[0] - e1[0] * hl, c[1] - e1[1] * hl, c[2] - e1[2] * hl],
          b: [c[0] + e1[0] * hl, c[1] + e1[1] * hl, c[2] + e1[2] * hl],
          r: Math.max(r2, r3) + 1,
        }
        if (!capsulesClear(cap, capsules, lv.spacing)) continue
        const def: MitoDef = { cell: i, c, e1, e2, e3, r1, r2, r3, period, phase, psi, base }
        if (scanMito(scene, def) < 12) continue
        nMito++
        commitMito(scene, def, nMito)
        capsules.push(cap)
        placed++
      }
    }
  }
  return nMito
}
