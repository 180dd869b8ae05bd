/** Power-Voronoi partition of jittered-grid seeds (the cells), with pruned candidate lists per sub-block. */
import type { Rng } from '../random.ts'
import { CELL } from './constants.ts'
import type { Vec3 } from './geometry.ts'

const SUB = 4 // sub-blocks per grid cell and axis for candidate pruning
const PAD = 64 // boundary sub-blocks extend this far outside the volume

export class Partition {
  readonly NZ: number
  readonly NY: number
  readonly NX: number
  readonly n: number
  readonly LZ: number
  readonly LY: number
  readonly LX: number
  /** per seed: z, y, x, power weight */
  readonly sd: Float64Array
  readonly SZ: number
  readonly SY: number
  readonly SX: number
  readonly invSZ: number
  readonly invSY: number
  readonly invSX: number
  /** candidates (seeds that can be nearest or second nearest) per sub-block */
  readonly cStart: Int32Array
  readonly cList: Int32Array
  /** grid neighbours within +-2 cells, per grid cell (== per seed) */
  readonly nbStart: Int32Array
  readonly nbList: Int32Array
  /** per neighbour entry: unit normal (z, y, x) of the face towards the neighbour and offset b (n . q - b = signed dist) */
  readonly planes: Float64Array
  // results of nearestTwo() and locate()
  i1 = 0
  i2 = 0
  d1 = 0
  d2 = 0
  h = 0

  constructor(extent: Vec3, rng: Rng) {
    let NZ = Math.max(1, Math.round(extent[0] / CELL))
    let NY = Math.max(1, Math.round(extent[1] / CELL))
    let NX = Math.max(1, Math.round(extent[2] / CELL))
    if (NZ * NY * NX < 2) {
      if (extent[2] >= extent[1] && extent[2] >= extent[0]) NX = 2
      else if (extent[1] >= extent[0]) NY = 2
      else NZ = 2
    }
    this.NZ = NZ
    this.NY = NY
    this.NX = NX
    const n = NZ * NY * NX
    this.n = n
    this.LZ = extent[0] / NZ
    this.LY = extent[1] / NY
    this.LX = extent[2] / NX
    const sd = new Float64Array(n * 4)
    this.sd = sd
    for (let gz = 0; gz < NZ; gz++)
      for (let gy = 0; gy < NY; gy++)
        for (let gx = 0; gx < NX; gx++) {
          const i = (gz * NY + gy) * NX + gx
          sd[i * 4] = (gz + rng.range(0.08, 0.92)) * this.LZ
          sd[i * 4 + 1] = (gy + rng.range(0.08, 0.92)) * this.LY
          sd[i * 4 + 2] = (gx + rng.range(0.08, 0.92)) * this.LX
          sd[i * 4 + 3] = rng.range(-0.15, 0.15) * CELL * CELL
        }
    const nb = this.neighbours(2)
    this.nbStart = nb.start
    this.nbList = nb.list
    this.planes = new Float64Array(nb.list.length * 4)
    for (let i = 0; i < n; i++)
      for (let k = nb.start[i]!; k < nb.start[i + 1]!; k++) {
        const j = nb.list[k]!
        const L = this.dist(i, j)
        let si2 = 0
        let sj2 = 0
        for (let a = 0; a < 3; a++) {
          this.planes[k * 4 + a] = (sd[j * 4 + a]! - sd[i * 4 + a]!) / L
          si2 += sd[i * 4 + a]! * sd[i * 4 + a]!
          sj2 += sd[j * 4 + a]! * sd[j * 4 + a]!
        }
        // (D_i - D_j) / (2L) = n . q + (|s_i|^2 - |s_j|^2 - w_i + w_j) / (2L)
        this.planes[k * 4 + 3] = -(si2 - sj2 - sd[i * 4 + 3]! + sd[j * 4 + 3]!) / (2 * L)
      }
    // sub-block candidate lists: exact pruning of the 3x3x3 neighbourhood of the parent grid cell
    this.SZ = NZ * SUB
    this.SY = NY * SUB
    this.SX = NX * SUB
    const bz = this.LZ / SUB
    const by = this.LY / SUB
    const bx = this.LX / SUB
    this.invSZ = 1 / bz
    this.invSY = 1 / by
    this.invSX = 1 / bx
    const nSub = this.SZ * this.SY * this.SX
    const start = new Int32Array(nSub + 1)
    const list: number[] = []
    const lo = new Float64Array(3)
    const hi = new Float64Array(3)
    const universe: number[] = []
    const maxD: number[] = []
    for (let sz = 0; sz < this.SZ; sz++)
      for (let sy = 0; sy < this.SY; sy++)
        for (let sx = 0; sx < this.SX; sx++) {
          start[(sz * this.SY + sy) * this.SX + sx] = list.length
          lo[0] = sz === 0 ? -PAD : sz * bz
          hi[0] = sz === this.SZ - 1 ? extent[0] + PAD : (sz + 1) * bz
          lo[1] = sy === 0 ? -PAD : sy * by
          hi[1] = sy === this.SY - 1 ? extent[1] + PAD : (sy + 1) * by
          lo[2] = sx === 0 ? -PAD : sx * bx
          hi[2] = sx === this.SX - 1 ? extent[2] + PAD : (sx + 1) * bx
          const gz = Math.floor(sz / SUB)
          const gy = Math.floor(sy / SUB)
          const gx = Math.floor(sx / SUB)
          universe.length = 0
          maxD.length = 0
          for (let dz = -1; dz <= 1; dz++)
            for (let dy = -1; dy <= 1; dy++)
              for (let dx = -1; dx <= 1; dx++) {
                const z = gz + dz
                const y = gy + dy
                const x = gx + dx
                if (z < 0 || y < 0 || x < 0 || z >= NZ || y >= NY || x >= NX) continue
                const k = (z * NY + y) * NX + x
                universe.push(k)
                let far = 0
                for (let a = 0; a < 3; a++) {
                  const c = sd[k * 4 + a]!
                  const d = Math.max(Math.abs(c - lo[a]!), Math.abs(c - hi[a]!))
                  far += d * d
                }
                maxD.push(far - sd[k * 4 + 3]!)
              }
          let m1 = Infinity
          let m2 = Infinity
          for (const d of maxD) {
            if (d < m1) {
              m2 = m1
              m1 = d
            } else if (d < m2) m2 = d
          }
          const u2 = (m2 === Infinity ? m1 : m2) + 1e-6
          for (const k of universe) {
            let near = 0
            for (let a = 0; a < 3; a++) {
              const c = sd[k * 4 + a]!
              const d = c < lo[a]! ? lo[a]! - c : c > hi[a]! ? c - hi[a]! : 0
              near += d * d
            }
            if (near - sd[k * 4 + 3]! <= u2) list.push(k)
          }
        }
    start[nSub] = list.length
    this.cStart = start
    this.cList = Int32Array.from(list)
  }

  private neighbours(radius: number): { start: Int32Array; list: Int32Array } {
    const { NZ, NY, NX } = this
    const start = new Int32Array(this.n + 1)
    const tmp: number[] = []
    for (let gz = 0; gz < NZ; gz++)
      for (let gy = 0; gy < NY; gy++)
        for (let gx = 0; gx < NX; gx++) {
          start[(gz * NY + gy) * NX + gx] = tmp.length
          for (let dz = -radius; dz <= radius; dz++)
            for (let dy = -radius; dy <= radius; dy++)
              for (let dx = -radius; dx <= radius; dx++) {
                const z = gz + dz
                const y = gy + dy
                const x = gx + dx
                if (z < 0 || y < 0 || x < 0 || z >= NZ || y >= NY || x >= NX) continue
                if (dz === 0 && dy === 0 && dx === 0) continue
                tmp.push((z * NY + y) * NX + x)
              }
        }
    start[this.n] = tmp.length
    return { start, list: Int32Array.from(tmp) }
  }

  subOf(qz: number, qy: number, qx: number): number {
    let z = Math.floor(qz * this.invSZ)
    let y = Math.floor(qy * this.invSY)
    let x = Math.floor(qx * this.invSX)
    z = z < 0 ? 0 : z >= this.SZ ? this.SZ - 1 : z
    y = y < 0 ? 0 : y >= this.SY ? this.SY - 1 : y
    x = x < 0 ? 0 : x >= this.SX ? this.SX - 1 : x
    return (z * this.SY + y) * this.SX + x
  }

  dist(i: number, j: number): number {
    const sd = this.sd
    return Math.hypot(
      sd[j * 4]! - sd[i * 4]!,
      sd[j * 4 + 1]! - sd[i * 4 + 1]!,
      sd[j * 4 + 2]! - sd[i * 4 + 2]!,
    )
  }

  seed(i: number): Vec3 {
    return [this.sd[i * 4]!, this.sd[i * 4 + 1]!, this.sd[i * 4 + 2]!]
  }

  /**
   * Nearest (i1) and second nearest (i2) seed of (qz, qy, qx) among the candidates of sub-block b, and
   * their power distances d1 <= d2 (Infinity when there is no second).
   */
  nearestTwo(b: number, qz: number, qy: number, qx: number): void {
    const { sd, cList } = this
    let d1 = Infinity
    let d2 = Infinity
    let i1 = 0
    let i2 = 0
    const kEnd = this.cStart[b + 1]!
    for (let k = this.cStart[b]!; k < kEnd; k++) {
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
    this.i1 = i1
    this.i2 = i2
    this.d1 = d1
    this.d2 = d2
  }

  /** nearestTwo of q, and the distance h of q to the face between the two seeds' cells. */
  locate(q: Vec3): void {
    this.nearestTwo(this.subOf(q[0], q[1], q[2]), q[0], q[1], q[2])
    this.h = this.d2 === Infinity ? Infinity : (this.d2 - this.d1) / (2 * this.dist(this.i1, this.i2))
  }

  /** Ellipsoid (centre c, unit axes, radii) lies inside the power cell of seed i, at least `margin` from its faces. */
  ellipsoidInCell(i: number, c: Vec3, axes: Vec3[], radii: number[], margin: number): boolean {
    const pl = this.planes
    let rmax = 0
    for (const r of radii) rmax = Math.max(rmax, r)
    for (let k = this.nbStart[i]!; k < this.nbStart[i + 1]!; k++) {
      const nz = pl[k * 4]!
      const ny = pl[k * 4 + 1]!
      const nx = pl[k * 4 + 2]!
      const signed = nz * c[0] + ny * c[1] + nx * c[2] - pl[k * 4 + 3]! // > 0 beyond the face
      if (signed + rmax <= -margin) continue
      let s2 = 0
      for (let m = 0; m < axes.length; m++) {
        const e = axes[m] ?? [0, 0, 0]
        const t = (radii[m] ?? 0) * (nz * e[0] + ny * e[1] + nx * e[2])
        s2 += t * t
      }
      if (signed + Math.sqrt(s2) > -margin) return false
    }
    return true
  }
}
