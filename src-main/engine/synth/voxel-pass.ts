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
  const cStart = P.cStart
  const cList = P.cList
  const invSZ = P.invSZ
  const invSY = P.invSY
  const invSX = P.invSX
  const SZ1 = P.SZ - 1
  const SY1 = P.SY - 1
  const SX1 = P.SX - 1
  const SY = P.SY
  const SX = P.SX
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
        let bz = Math.floor(qz * invSZ)
        let by = Math.floor(qy * invSY)
        let bx = Math.floor(qx * invSX)
        bz = bz < 0 ? 0 : bz > SZ1 ? SZ1 : bz
        by = by < 0 ? 0 : by > SY1 ? SY1 : by
        bx = bx < 0 ? 0 : bx > SX1 ? SX1 : bx
        const b = (bz * SY + by) * SX + bx
        let d1 = Infinity
        let d2 = Infinity
        let i1 = 0
        let i2 = 0
        const kEnd = cStart[b + 1]!
        for (let k = cStart[b]!; k < kEnd; k++) {
          const s = cList[k]!
          const s4 = s * 4
          const dz = qz - sd[s4]!
          const dy = qy - sd[s4 + 1]!
          const dx = qx - sd[s4 + 2]!
          const d = dz * dz + dy * dy + dx * dx - sd[s4 + 3]!
          if (d < d2) {
            if (d < d1) {
              d2 = d1
              i2 = i1
              d1 = d
              i1 = s
            } else {
              d2 = d
              i2 = s
            }
          }
        }
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
