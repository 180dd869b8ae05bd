import { CELL, S_VES } from './constants.ts'
import { jitter } from './geometry.ts'
import type { Scene } from './scene.ts'

const w3 = new Float64Array(3)
/**
 * Small spheres: the warp is locally a translation, so render around the pre-image p0 of the centre
 * (fixed-point inverse of q = p + W(p)) without per-voxel warping.
 */
export function renderVesicle(
  scene: Scene,
  vz: number,
  vy: number,
  vx: number,
  r: number,
  cellId: number,
  dark: number,
): void {
  const { warp, an, Z, Y, X, YX, cells, mito, distractors, clefts, img } = scene
  let pz = vz
  let py = vy
  let px = vx
  for (let it = 0; it < 4; it++) {
    warp.sample(pz, py, px, w3)
    pz = vz - w3[0]!
    py = vy - w3[1]!
    px = vx - w3[2]!
  }
  const slack = 0.3 * an
  const lim = r + 1.3
  const z0 = Math.max(0, Math.ceil((pz - lim - slack) / an))
  const z1 = Math.min(Z - 1, Math.floor((pz + lim + slack) / an))
  const y0 = Math.max(0, Math.ceil(py - lim))
  const y1 = Math.min(Y - 1, Math.floor(py + lim))
  const x0 = Math.max(0, Math.ceil(px - lim))
  const x1 = Math.min(X - 1, Math.floor(px + lim))
  for (let z = z0; z <= z1; z++) {
    let dz = Math.abs(z * an - pz) - slack
    if (dz < 0) dz = 0
    for (let y = y0; y <= y1; y++) {
      const dy = y - py
      for (let x = x0; x <= x1; x++) {
        const vi = z * YX + y * X + x
        if (cells[vi] !== cellId || mito[vi] !== 0 || distractors[vi] !== 0 || clefts[vi] !== 0) continue
        const dx = x - px
        const rho = Math.sqrt(dz * dz + dy * dy + dx * dx)
        if (rho > lim) continue
        let cur = img[vi]!
        if (rho < r - 0.8) cur += (150 - cur) * 0.45
        const dr = rho - r
        cur += (dark - cur) * 0.9 * Math.exp((-dr * dr) / 0.5)
        img[vi] = cur
      }
    }
  }
}

/** Scattered non-synaptic vesicles: unlabelled clutter, a few per cell. */
export function scatterVesicles(scene: Scene): void {
  const { stream, nCells, P } = scene
  const vr = stream(S_VES + 100)
  for (let i = 0; i < nCells; i++) {
    const n = vr.int(1, 5)
    const sp = P.seed(i)
    for (let k = 0; k < n; k++) {
      const p = jitter(vr, sp, 0.45 * CELL)
      const r = vr.range(1.6, 3)
      P.locate(p)
      if (P.i1 !== i || P.h < r + 1.5) continue
      renderVesicle(scene, p[0], p[1], p[2], r, i + 1, 80)
    }
  }
}
