/** Smooth value-noise fields on a coarse grid (physical coordinates), several channels each. */
import type { Rng } from '../random.ts'
import { fade, type Vec3 } from './geometry.ts'

export class Field {
  readonly nz: number
  readonly ny: number
  readonly nx: number
  readonly ch: number
  readonly inv: number
  readonly data: Float64Array
  /** per x voxel: node index and faded fraction (x physical = x voxel) */
  readonly xk: Int32Array
  readonly xt: Float64Array

  constructor(rng: Rng, extent: Vec3, width: number, spacing: number, ch: number, amp: number) {
    this.inv = 1 / spacing
    this.nz = Math.floor(extent[0] * this.inv) + 2
    this.ny = Math.floor(extent[1] * this.inv) + 2
    this.nx = Math.floor(extent[2] * this.inv) + 2
    this.ch = ch
    this.data = new Float64Array(this.nz * this.ny * this.nx * ch)
    for (let i = 0; i < this.data.length; i++) this.data[i] = rng.range(-amp, amp)
    this.xk = new Int32Array(width)
    this.xt = new Float64Array(width)
    for (let x = 0; x < width; x++) {
      const f = this.clampIdx(x * this.inv, this.nx)
      const k = Math.floor(f)
      this.xk[x] = k
      this.xt[x] = fade(f - k)
    }
  }

  private clampIdx(f: number, n: number): number {
    if (f < 0) return 0
    const hi = n - 1 - 1e-9
    return f > hi ? hi : f
  }

  /** Values at every x node for fixed (pz, py): out[k * ch + c]. */
  row(pz: number, py: number, out: Float64Array): void {
    const fz = this.clampIdx(pz * this.inv, this.nz)
    const fy = this.clampIdx(py * this.inv, this.ny)
    const iz = Math.floor(fz)
    const iy = Math.floor(fy)
    const tz = fade(fz - iz)
    const ty = fade(fy - iy)
    const w00 = (1 - tz) * (1 - ty)
    const w01 = (1 - tz) * ty
    const w10 = tz * (1 - ty)
    const w11 = tz * ty
    const ch = this.ch
    const strideY = this.nx * ch
    const strideZ = this.ny * strideY
    const b00 = iz * strideZ + iy * strideY
    const b01 = b00 + strideY
    const b10 = b00 + strideZ
    const b11 = b10 + strideY
    const d = this.data
    const n = this.nx * ch
    for (let k = 0; k < n; k++) {
      out[k] = w00 * d[b00 + k]! + w01 * d[b01 + k]! + w10 * d[b10 + k]! + w11 * d[b11 + k]!
    }
  }

  /** Smooth trilinear sample at a physical point, all channels into out[0..ch). */
  sample(pz: number, py: number, px: number, out: Float64Array): void {
    const fz = this.clampIdx(pz * this.inv, this.nz)
    const fy = this.clampIdx(py * this.inv, this.ny)
    const fx = this.clampIdx(px * this.inv, this.nx)
    const iz = Math.floor(fz)
    const iy = Math.floor(fy)
    const ix = Math.floor(fx)
    const tz = fade(fz - iz)
    const ty = fade(fy - iy)
    const tx = fade(fx - ix)
    const ch = this.ch
    const sx = ch
    const sy = this.nx * ch
    const sz = this.ny * sy
    const b = iz * sz + iy * sy + ix * sx
    const d = this.data
    for (let c = 0; c < ch; c++) {
      const o = b + c
      const c00 = d[o]! + tx * (d[o + sx]! - d[o]!)
      const c01 = d[o + sy]! + tx * (d[o + sy + sx]! - d[o + sy]!)
      const c10 = d[o + sz]! + tx * (d[o + sz + sx]! - d[o + sz]!)
      const c11 = d[o + sz + sy]! + tx * (d[o + sz + sy + sx]! - d[o + sz + sy]!)
      const c0 = c00 + ty * (c01 - c00)
      const c1 = c10 + ty * (c11 - c10)
      out[c] = c0 + tz * (c1 - c0)
    }
  }
}

/** Warped q-space coordinates along one voxel row (z, y): call row() once, then at(x) per voxel. */
export class RowWarp {
  private readonly buf: Float64Array
  private pz = 0
  private py = 0
  qz = 0
  qy = 0
  qx = 0

  constructor(
    private readonly f: Field,
    private readonly an: number,
  ) {
    this.buf = new Float64Array(f.nx * f.ch)
  }

  row(z: number, y: number): void {
    this.pz = z * this.an
    this.py = y
    this.f.row(this.pz, y, this.buf)
  }

  at(x: number): void {
    const b = this.buf
    const o = this.f.xk[x]! * 3
    const t = this.f.xt[x]!
    this.qz = this.pz + b[o]! + t * (b[o + 3]! - b[o]!)
    this.qy = this.py + b[o + 1]! + t * (b[o + 4]! - b[o + 1]!)
    this.qx = x + b[o + 2]! + t * (b[o + 5]! - b[o + 2]!)
  }
}
