import { MEM_I, MEM_VAR } from './constants.ts'
import type { Field } from './field.ts'
import type { Vec3 } from './geometry.ts'
import type { Partition } from './partition.ts'

/** Cells, cytoplasm and membranes for every voxel. */
export function voxelPass(
  P: Partition,
  warp: Field,
  lf: Field,
  shape: Vec3,
  an: number,
  cellBase: Float64Array,
  sliceOff: Float64Array,
  cells: Uint32Array,
  img: Float32Array,
  cellCount: Float64Array,
): void {
  const [Z, Y, X] = shape
  const sd = P.sd
  const wrow = new Float64Array(warp.nx * 3)
  const lrow = new Float64Array(lf.nx)
  const wxk = warp.xk
  const wxt = warp.xt
  const lxk = lf.xk
  const lxt = lf.xt
  const a2 = (an * an) / 12
  let v = 0
  for (let z = 0; z < Z; z++) {
    const pz = z * an
    const so = sliceOff[z]!
    for (let y = 0; y < Y; y++) {
      warp.row(pz, y, wrow)
      lf.row(pz, y, lrow)
      for (let x = 0; x < X; x++, v++) {
        const o = wxk[x]! * 3
        const t = wxt[x]!
        const qz = pz + wrow[o]! + t * (wrow[o + 3]! - wrow[o]!)
        const qy = y + wrow[o + 1]! + t * (wrow[o + 4]! - wrow[o + 1]!)
        const qx = x + wrow[o + 2]! + t * (wrow[o + 5]! - wrow[o + 2]!)
        P.nearestTwo(P.subOf(qz, qy, qx), qz, qy, qx)
        const { i1, i2, d1, d2 } = P
        cells[v] = i1 + 1
        cellCount[i1]!++
        const kl = lxk[x]!
        let val = cellBase[i1]! + so + lrow[kl]! + lxt[x]! * (lrow[kl + 1]! - lrow[kl]!)
        if (d2 !== Infinity) {
          const j4 = i2 * 4
          const k4 = i1 * 4
          const ez = sd[j4]! - sd[k4]!
          const ey = sd[j4 + 1]! - sd[k4 + 1]!
          const ex = sd[j4 + 2]! - sd[k4 + 2]!
          const L2 = ez * ez + ey * ey + ex * ex
          const dd = d2 - d1
          // h = dd / (2 L) < 6.5  <=>  dd^2 < 169 L^2
          if (dd * dd < 169 * L2) {
            const L = Math.sqrt(L2)
            const h = dd / (2 * L)
            // section-thickness smear: tilted faces look wider and fainter
            const nzc = ez / L
            const s2 = MEM_VAR + nzc * nzc * a2
            const m = (MEM_VAR / s2) * Math.exp((-h * h) / (2 * s2))
            val += (MEM_I - val) * m
          }
        }
        img[v] = val
      }
    }
  }
}
