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

type Vec3 = [number, number, number]

// ---- scene constants (physical units = xy voxels) ----
const XY_NM = 8
const CELL = 40 // one cell per CELL^3 physical voxels
const WARP_SPACING = 36
const WARP_AMP = 3.5
const LF_SPACING = 64
const LF_AMP = 9
const CYTO_LO = 160
const CYTO_HI = 182
const MEM_I = 62
const MEM_VAR = 1.125 // variance of the membrane profile exp(-h^2 / (2 var)): FWHM ~2.5 px
const CLEFT_HALF = 2.5 // cleft label half thickness along the normal
const SLAB = 8 // pre / post label slab thickness
const NOISE_SIGMA = 12

// stream ids for independent random sub-streams
const S_SEEDS = 1
const S_FIELDS = 2
const S_SYN = 3
const S_MITO = 4
const S_DIST = 5
const S_VES = 6
const S_NOISE = 7
const S_TEX = 8

// ---------------------------------------------------------------------------------------------------------
// small helpers

function fade(t: number): number {
  return t * t * (3 - 2 * t)
}

function clamp01(t: number): number {
  return t < 0 ? 0 : t > 1 ? 1 : t
}

/** Integer hash of 3 ints + seed -> [0, 1). */
function hash3(x: number, y: number, z: number, s: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(z | 0, 0x1b873593) ^ s
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

function normalize(a: Vec3): Vec3 {
  const l = Math.hypot(a[0], a[1], a[2]) || 1
  return [a[0] / l, a[1] / l, a[2] / l]
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

function randomUnit(rng: Rng): Vec3 {
  for (;;) {
    const v: Vec3 = [rng.normal(), rng.normal(), rng.normal()]
    const l = Math.hypot(v[0], v[1], v[2])
    if (l > 1e-6) return [v[0] / l, v[1] / l, v[2] / l]
  }
}

/** Two unit vectors completing n to an orthonormal basis, rotated in-plane by angle. */
function planeBasis(n: Vec3, angle: number): [Vec3, Vec3] {
  const ax = Math.abs(n[0])
  const ay = Math.abs(n[1])
  const az = Math.abs(n[2])
  const helper: Vec3 = ax <= ay && ax <= az ? [1, 0, 0] : ay <= az ? [0, 1, 0] : [0, 0, 1]
  const u0 = normalize(cross(n, helper))
  const v0 = cross(n, u0)
  const c = Math.cos(angle)
  const s = Math.sin(angle)
  return [
    [c * u0[0] + s * v0[0], c * u0[1] + s * v0[1], c * u0[2] + s * v0[2]],
    [-s * u0[0] + c * v0[0], -s * u0[1] + c * v0[1], -s * u0[2] + c * v0[2]],
  ]
}

/** Squared distance between segments p0p1 and q0q1 (Ericson, Real-Time Collision Detection 5.1.9). */
function segSegDist2(p0: Vec3, p1: Vec3, q0: Vec3, q1: Vec3): number {
  const d1: Vec3 = [p1[0] - p0[0], p1[1] - p0[1], p1[2] - p0[2]]
  const d2: Vec3 = [q1[0] - q0[0], q1[1] - q0[1], q1[2] - q0[2]]
  const r: Vec3 = [p0[0] - q0[0], p0[1] - q0[1], p0[2] - q0[2]]
  const a = dot(d1, d1)
  const e = dot(d2, d2)
  const f = dot(d2, r)
  let s = 0
  let t = 0
  if (a <= 1e-12 && e <= 1e-12) {
    s = 0
    t = 0
  } else if (a <= 1e-12) {
    t = clamp01(f / e)
  } else {
    const c = dot(d1, r)
    if (e <= 1e-12) {
      s = clamp01(-c / a)
    } else {
      const b = dot(d1, d2)
      const denom = a * e - b * b
      s = denom > 1e-12 ? clamp01((b * f - c * e) / denom) : 0
      t = (b * s + f) / e
      if (t < 0) {
        t = 0
        s = clamp01(-c / a)
      } else if (t > 1) {
        t = 1
        s = clamp01((b - c) / a)
      }
    }
  }
  const dz = p0[0] + d1[0] * s - (q0[0] + d2[0] * t)
  const dy = p0[1] + d1[1] * s - (q0[1] + d2[1] * t)
  const dx = p0[2] + d1[2] * s - (q0[2] + d2[2] * t)
  return dz * dz + dy * dy + dx * dx
}

interface Capsule {
  a: Vec3
  b: Vec3
  r: number
}

function capsulesClear(c: Capsule, list: Capsule[], extra: number): boolean {
  for (const o of list) {
    const m = c.r + o.r + extra
    if (segSegDist2(c.a, c.b, o.a, o.b) < m * m) return false
  }
  return true
}

// ---------------------------------------------------------------------------------------------------------
// smooth value-noise field on a coarse grid (physical coordinates), several channels

class Field {
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

// ---------------------------------------------------------------------------------------------------------
// power-Voronoi partition of jittered-grid seeds, with pruned candidate lists per sub-block

const SUB = 4 // sub-blocks per grid cell and axis for candidate pruning
const PAD = 64 // boundary sub-blocks extend this far outside the volume

class Partition {
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
  // results of locate()
  i1 = 0
  i2 = 0
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

  power(i: number, q: Vec3): number {
    const sd = this.sd
    const dz = q[0] - sd[i * 4]!
    const dy = q[1] - sd[i * 4 + 1]!
    const dx = q[2] - sd[i * 4 + 2]!
    return dz * dz + dy * dy + dx * dx - sd[i * 4 + 3]!
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

  /** Nearest (i1) and second nearest (i2) seed of q and the distance h of q to their face; same as the voxel pass. */
  locate(q: Vec3): void {
    const b = this.subOf(q[0], q[1], q[2])
    let d1 = Infinity
    let d2 = Infinity
    let i1 = 0
    let i2 = 0
    for (let k = this.cStart[b]!; k < this.cStart[b + 1]!; k++) {
      const s = this.cList[k]!
      const d = this.power(s, q)
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
    this.h = d2 === Infinity ? Infinity : (d2 - d1) / (2 * this.dist(i1, i2))
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

/** Warped q-space coordinates along one voxel row (z, y): call row() once, then at(x) per voxel. */
class RowWarp {
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

/** Growable list of voxels (index, small tag, 4 floats) found by one bbox scan, replayed on commit. */
class VoxelRecord {
  n = 0
  idx = new Int32Array(1024)
  tag = new Int8Array(1024)
  f = new Float64Array(4096)

  clear(): void {
    this.n = 0
  }

  push(vi: number, tag: number, a: number, b: number, c: number, d: number): void {
    if (this.n === this.idx.length) {
      const idx = new Int32Array(this.n * 2)
      idx.set(this.idx)
      this.idx = idx
      const tg = new Int8Array(this.n * 2)
      tg.set(this.tag)
      this.tag = tg
      const f = new Float64Array(this.n * 8)
      f.set(this.f)
      this.f = f
    }
    const k = this.n++
    this.idx[k] = vi
    this.tag[k] = tag
    this.f[k * 4] = a
    this.f[k * 4 + 1] = b
    this.f[k * 4 + 2] = c
    this.f[k * 4 + 3] = d
  }
}

/** Cells, cytoplasm and membranes for every voxel. */
function voxelPass(
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

// ---------------------------------------------------------------------------------------------------------

interface SynDef {
  pre: number // seed index
  post: number
  c: Vec3
  n: Vec3
  u: Vec3
  v: Vec3
  r1: number
  r2: number
  psd: number
  ves: number[] // z, y, x, r per vesicle (q-space)
}

interface MitoDef {
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

interface BlobDef {
  cell: number
  c: Vec3
  r: Vec3 // radii along z, y, x
  tex: number
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
  const YX = Y * X
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

  // ---- partition, fields ---------------------------------------------------------------------------------
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
  /** Voxel bbox [z0, z1, y0, y1, x0, x1] (inclusive) of a q-space box centre +- half extents. */
  const bbox = (
    c: Vec3,
    hz: number,
    hy: number,
    hx: number,
  ): [number, number, number, number, number, number] => [
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

  // ---- synapses -----------------------------------------------------------------------------------------
  const capsules: Capsule[] = []
  const synDefs: SynDef[] = []
  const synSums: number[] = [] // per synapse 12 values: (sum z, sum y, sum x, n) for cleft, pre, post
  const T = CLEFT_HALF + SLAB

  const rec = new VoxelRecord()
  /** Scan one synapse's bbox into rec (tag: -1 render only, 0 cleft, 1 pre, 2 post); returns label counts. */
  const scanSynapse = (s: SynDef): [number, number, number] => {
    const { c, n, u, v: w } = s
    const ext = (k: 0 | 1 | 2): number =>
      Math.hypot(s.r1 * u[k], s.r2 * w[k]) * 1.12 + (T + 1) * Math.abs(n[k])
    const [z0, z1, y0, y1, x0, x1] = bbox(c, ext(0), ext(1), ext(2))
    let nc = 0
    let np = 0
    let nq = 0
    const preId = s.pre + 1
    const postId = s.post + 1
    const ir1 = 1 / s.r1
    const ir2 = 1 / s.r2
    rec.clear()
    for (let z = z0; z <= z1; z++)
      for (let y = y0; y <= y1; y++) {
        W.row(z, y)
        for (let x = x0; x <= x1; x++) {
          W.at(x)
          const rz = W.qz - c[0]
          const ry = W.qy - c[1]
          const rx = W.qx - c[2]
          const dn = rz * n[0] + ry * n[1] + rx * n[2]
          if (dn < -T - 0.5 || dn > T + 0.5) continue
          const ea = (rz * u[0] + ry * u[1] + rx * u[2]) * ir1
          const eb = (rz * w[0] + ry * w[1] + rx * w[2]) * ir2
          const e = ea * ea + eb * eb
          if (e > 1.25) continue
          const vi = z * YX + y * X + x
          let which = -1
          if (e <= 1 && clefts[vi] === 0 && preL[vi] === 0 && postL[vi] === 0) {
            if (dn >= -CLEFT_HALF && dn <= CLEFT_HALF) which = 0
            else if (dn < 0 && dn >= -T && cells[vi] === preId) which = 1
            else if (dn > 0 && dn <= T && cells[vi] === postId) which = 2
            if (which === 0) nc++
            else if (which === 1) np++
            else if (which === 2) nq++
          }
          rec.push(vi, which, dn, e, 0, 0)
        }
      }
    return [nc, np, nq]
  }

  /** Write labels and render the synapse scanned last. */
  const commitSynapse = (s: SynDef, id: number): void => {
    const psdEnd = 1.1 + s.psd
    const sums = new Float64Array(12)
    const { idx, tag, f } = rec
    for (let k = 0; k < rec.n; k++) {
      const vi = idx[k]!
      const which = tag[k]!
      const dn = f[k * 4]!
      const e = f[k * 4 + 1]!
      const z = Math.floor(vi / YX)
      const y = Math.floor((vi - z * YX) / X)
      const x = vi - z * YX - y * X
      if (which >= 0) {
        if (which === 0) clefts[vi] = id
        else if (which === 1) preL[vi] = id
        else postL[vi] = id
        const b = which * 4
        sums[b]! += z
        sums[b + 1]! += y
        sums[b + 2]! += x
        sums[b + 3]!++
      }
      if (dn > -4.5 && dn < psdEnd + 1.5) {
        const fe = e <= 0.8 ? 1 : e >= 1.2 ? 0 : (1.2 - e) / 0.4
        let cur = img[vi]!
        // light cleft gap
        cur += (128 - cur) * 0.85 * fe * Math.exp((-dn * dn) / 0.72)
        // thin pre-synaptic density
        const dp = dn + 1.9
        cur += (58 - cur) * fe * Math.exp((-dp * dp) / 0.98)
        // thick post-synaptic density, granular
        const wpsd = fe * clamp01((dn - 0.6) / 0.8) * clamp01((psdEnd + 0.5 - dn) / 1.0)
        if (wpsd > 0) {
          const g = hash3(x >> 1, y >> 1, z, texSeed ^ 0x51ed)
          cur += (40 + 22 * (g - 0.5) - cur) * wpsd
        }
        img[vi] = cur
      }
    }
    for (let k = 0; k < 12; k++) synSums.push(sums[k]!)
  }

  const w3 = new Float64Array(3)
  /**
   * Small spheres: the warp is locally a translation, so render around the pre-image p0 of the centre
   * (fixed-point inverse of q = p + W(p)) without per-voxel warping.
   */
  const renderVesicle = (
    vz: number,
    vy: number,
    vx: number,
    r: number,
    cellId: number,
    dark: number,
  ): void => {
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

  const placeVesicles = (s: SynDef, vr: Rng): void => {
    const target = Math.round(vr.range(30, 50) * ((s.r1 * s.r2) / 121))
    const list = s.ves
    for (let attempt = 0; attempt < target * 5 && list.length < target * 4; attempt++) {
      const r = vr.range(1.6, 2.4)
      const depth = 3.2 + r + vr.next() * 11.5
      const spread = 0.95 * (1 + (0.3 * depth) / 15)
      const ang = vr.next() * 2 * Math.PI
      const rad = Math.sqrt(vr.next()) * spread
      const oa = Math.cos(ang) * rad * s.r1
      const ob = Math.sin(ang) * rad * s.r2
      const p: Vec3 = [
        s.c[0] - s.n[0] * depth + s.u[0] * oa + s.v[0] * ob,
        s.c[1] - s.n[1] * depth + s.u[1] * oa + s.v[1] * ob,
        s.c[2] - s.n[2] * depth + s.u[2] * oa + s.v[2] * ob,
      ]
      P.locate(p)
      if (P.i1 !== s.pre || P.h < r + 1.4) continue
      let ok = true
      for (let k = 0; k < list.length; k += 4) {
        const dz = list[k]! - p[0]
        const dy = list[k + 1]! - p[1]
        const dx = list[k + 2]! - p[2]
        const m = list[k + 3]! + r + 0.4
        if (dz * dz + dy * dy + dx * dx < m * m) {
          ok = false
          break
        }
      }
      if (ok) list.push(p[0], p[1], p[2], r)
    }
  }

  {
    const sr = stream(S_SYN)
    const vr = stream(S_VES)
    const pairs: number[] = []
    for (let i = 0; i < nCells; i++)
      for (let k = P.nbStart[i]!; k < P.nbStart[i + 1]!; k++) {
        const j = P.nbList[k]!
        // only seeds in adjacent grid cells can share a sizeable face
        const gi = [Math.floor(i / (P.NY * P.NX)), Math.floor(i / P.NX) % P.NY, i % P.NX]
        const gj = [Math.floor(j / (P.NY * P.NX)), Math.floor(j / P.NX) % P.NY, j % P.NX]
        const cheb = Math.max(Math.abs(gi[0]! - gj[0]!), Math.abs(gi[1]! - gj[1]!), Math.abs(gi[2]! - gj[2]!))
        if (j > i && cheb <= 1) pairs.push(i, j)
      }
    const target = Math.max(1, Math.round(nCells * 0.9))
    // a cell keeps one role across its synapses: 1 = pre (axon-like), 2 = post (dendrite-like)
    const role = new Uint8Array(nCells)
    const levels = [
      { roles: true, maxNz: 0.7, rMin: 8, rMax: 13, ring: 1.5, spacing: 1, tries: 4 },
      { roles: false, maxNz: 0.8, rMin: 6, rMax: 10, ring: 1, spacing: 0, tries: 6 },
      { roles: false, maxNz: 0.95, rMin: 4, rMax: 7, ring: -1, spacing: 0, tries: 10 },
    ]
    for (const lv of levels) {
      if (synDefs.length > 0) break
      const np = pairs.length / 2
      const order = new Int32Array(np)
      for (let k = 0; k < np; k++) order[k] = k
      for (let k = np - 1; k > 0; k--) {
        const m = sr.int(0, k + 1)
        const t = order[k]!
        order[k] = order[m]!
        order[m] = t
      }
      for (let oi = 0; oi < np && synDefs.length < target; oi++) {
        const pk = order[oi]!
        let pre = pairs[pk * 2]!
        let post = pairs[pk * 2 + 1]!
        const flip = sr.next() < 0.5
        if (lv.roles) {
          const ra = role[pre]!
          const rb = role[post]!
          if (ra !== 0 && ra === rb) continue
          if (ra === 2 || rb === 1 || (ra === 0 && rb === 0 && flip)) [pre, post] = [post, pre]
        } else if (flip) [pre, post] = [post, pre]
        const L = P.dist(pre, post)
        const sp = P.seed(pre)
        const sq = P.seed(post)
        const n: Vec3 = [(sq[0] - sp[0]) / L, (sq[1] - sp[1]) / L, (sq[2] - sp[2]) / L]
        if (Math.abs(n[0]) > lv.maxNz) continue
        const t0 = (L * L + P.sd[pre * 4 + 3]! - P.sd[post * 4 + 3]!) / (2 * L)
        const m: Vec3 = [sp[0] + n[0] * t0, sp[1] + n[1] * t0, sp[2] + n[2] * t0]
        const pairOk = (p: Vec3): boolean => {
          P.locate(p)
          return (P.i1 === pre && P.i2 === post) || (P.i1 === post && P.i2 === pre)
        }
        const [u, v] = planeBasis(n, sr.next() * Math.PI)
        const onPlane = (c: Vec3, a: number, b: number): Vec3 => [
          c[0] + u[0] * a + v[0] * b,
          c[1] + u[1] * a + v[1] * b,
          c[2] + u[2] * a + v[2] * b,
        ]
        // probe the bisector plane around m for the shared face and take its centroid
        let fa = 0
        let fb = 0
        const hitA: number[] = []
        const hitB: number[] = []
        for (let ring = 0; ring <= 4; ring++) {
          const rad = ring * 0.14 * L
          const steps = ring === 0 ? 1 : 6 * ring
          for (let k = 0; k < steps; k++) {
            const ang = (2 * Math.PI * k) / steps
            const a = Math.cos(ang) * rad
            const b = Math.sin(ang) * rad
            if (!pairOk(onPlane(m, a, b))) continue
            fa += a
            fb += b
            hitA.push(a)
            hitB.push(b)
          }
        }
        const hits = hitA.length
        if (hits < 4) continue
        fa /= hits
        fb /= hits
        for (let attempt = 0; attempt < lv.tries; attempt++) {
          // somewhere between the face centroid and a random probe that hit the face
          const hk = sr.int(0, hits)
          const lam = attempt === lv.tries - 1 ? 0 : sr.range(0, 0.75)
          const c = onPlane(m, fa + lam * (hitA[hk]! - fa), fb + lam * (hitB[hk]! - fb))
          const aspect = sr.range(0.7, 1)
          let r1 = sr.range(lv.rMin, lv.rMax)
          if (!inVolume(c, 8, an)) continue
          if (!pairOk(c)) continue
          if (lv.ring >= 0) {
            // largest radius (from r1 down to rMin) whose rim stays on this face
            let ok = false
            for (; r1 >= lv.rMin - 1e-9 && !ok; r1 -= 1) {
              ok = true
              for (let k = 0; k < 12 && ok; k++) {
                const ang = (k * Math.PI) / 6
                ok = pairOk(
                  onPlane(c, Math.cos(ang) * (r1 + lv.ring), Math.sin(ang) * (r1 * aspect + lv.ring)),
                )
              }
            }
            r1 += 1
            if (!ok) continue
            P.locate([c[0] - n[0] * 12, c[1] - n[1] * 12, c[2] - n[2] * 12])
            if (P.i1 !== pre) continue
            P.locate([c[0] + n[0] * 7, c[1] + n[1] * 7, c[2] + n[2] * 7])
            if (P.i1 !== post) continue
          }
          const r2 = r1 * aspect
          const cap: Capsule = {
            a: [c[0] - n[0] * 14, c[1] - n[1] * 14, c[2] - n[2] * 14],
            b: [c[0] + n[0] * 8, c[1] + n[1] * 8, c[2] + n[2] * 8],
            r: r1 + 1,
          }
          if (!capsulesClear(cap, capsules, lv.spacing)) continue
          const def: SynDef = { pre, post, c, n, u, v, r1, r2, psd: sr.range(2.8, 4.5), ves: [] }
          const [nc, npre, npost] = scanSynapse(def)
          if (nc < 8 || npre < 4 || npost < 4) continue
          synDefs.push(def)
          capsules.push(cap)
          role[pre] = 1
          role[post] = 2
          commitSynapse(def, synDefs.length)
          placeVesicles(def, vr)
          const ves = def.ves
          for (let k = 0; k < ves.length; k += 4)
            renderVesicle(ves[k]!, ves[k + 1]!, ves[k + 2]!, ves[k + 3]!, pre + 1, 72)
          break
        }
      }
    }
  }

  // ---- mitochondria ---------------------------------------------------------------------------------------
  /** Scan one mitochondrion (inside, in its cell, not yet labelled) into rec; returns the voxel count. */
  const scanMito = (m: MitoDef): number => {
    const { c, e1, e2, e3, r1, r2, r3 } = m
    const ext = (k: 0 | 1 | 2): number => Math.hypot(r1 * e1[k], r2 * e2[k], r3 * e3[k]) + 0.5
    const [z0, z1, y0, y1, x0, x1] = bbox(c, ext(0), ext(1), ext(2))
    const cellId = m.cell + 1
    const i1 = 1 / (r1 * r1)
    const i2 = 1 / (r2 * r2)
    const i3 = 1 / (r3 * r3)
    rec.clear()
    for (let z = z0; z <= z1; z++)
      for (let y = y0; y <= y1; y++) {
        W.row(z, y)
        for (let x = x0; x <= x1; x++) {
          const vi = z * YX + y * X + x
          if (cells[vi] !== cellId) continue
          W.at(x)
          const rz = W.qz - c[0]
          const ry = W.qy - c[1]
          const rx = W.qx - c[2]
          const a1 = rz * e1[0] + ry * e1[1] + rx * e1[2]
          const a2 = rz * e2[0] + ry * e2[1] + rx * e2[2]
          const a3 = rz * e3[0] + ry * e3[1] + rx * e3[2]
          const qn = a1 * a1 * i1 + a2 * a2 * i2 + a3 * a3 * i3
          if (qn > 1 || !free(vi)) continue
          rec.push(vi, 0, a1, a2, a3, qn)
        }
      }
    return rec.n
  }

  const commitMito = (m: MitoDef, id: number): void => {
    const i1 = 1 / (m.r1 * m.r1)
    const i2 = 1 / (m.r2 * m.r2)
    const i3 = 1 / (m.r3 * m.r3)
    const k = (2 * Math.PI) / m.period
    const { idx, f } = rec
    for (let j = 0; j < rec.n; j++) {
      const vi = idx[j]!
      const a1 = f[j * 4]!
      const a2 = f[j * 4 + 1]!
      const a3 = f[j * 4 + 2]!
      const qn = f[j * 4 + 3]!
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
    }
  }

  let nMito = 0
  {
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
          const off = 0.35 * CELL
          const sp = P.seed(i)
          const c: Vec3 = [
            sp[0] + mr.range(-off, off),
            sp[1] + mr.range(-off, off),
            sp[2] + mr.range(-off, off),
          ]
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
          if (scanMito(def) < 12) continue
          nMito++
          commitMito(def, nMito)
          capsules.push(cap)
          placed++
        }
      }
    }
  }

  // ---- distractors ----------------------------------------------------------------------------------------
  const scanBlob = (b: BlobDef): number => {
    const { c, r } = b
    const [z0, z1, y0, y1, x0, x1] = bbox(c, r[0] + 0.5, r[1] + 0.5, r[2] + 0.5)
    const cellId = b.cell + 1
    rec.clear()
    for (let z = z0; z <= z1; z++)
      for (let y = y0; y <= y1; y++) {
        W.row(z, y)
        for (let x = x0; x <= x1; x++) {
          const vi = z * YX + y * X + x
          if (cells[vi] !== cellId) continue
          W.at(x)
          const tz = (W.qz - c[0]) / r[0]
          const ty = (W.qy - c[1]) / r[1]
          const tx = (W.qx - c[2]) / r[2]
          const qn = tz * tz + ty * ty + tx * tx
          if (qn > 1 || !free(vi)) continue
          rec.push(vi, 0, W.qz, W.qy, W.qx, qn)
        }
      }
    return rec.n
  }

  const commitBlob = (b: BlobDef, id: number): void => {
    const rmin = Math.min(b.r[0], b.r[1], b.r[2])
    const { idx, f } = rec
    for (let j = 0; j < rec.n; j++) {
      const vi = idx[j]!
      const qz = f[j * 4]!
      const qy = f[j * 4 + 1]!
      const qx = f[j * 4 + 2]!
      const qn = f[j * 4 + 3]!
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
    }
  }

  let nDist = 0
  {
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
      const sp = P.seed(i)
      const off = 0.4 * CELL
      const c: Vec3 = [sp[0] + dr.range(-off, off), sp[1] + dr.range(-off, off), sp[2] + dr.range(-off, off)]
      const r = dr.range(4, 8)
      const rr: Vec3 = [r * dr.range(0.85, 1.15), r * dr.range(0.85, 1.15), r * dr.range(0.85, 1.15)]
      const tex = (dr.next() * 4294967296) | 0
      if (!inVolume(c, 2, 0)) continue
      if (!P.ellipsoidInCell(i, c, axes, rr, 1.2)) continue
      const cap: Capsule = { a: c, b: c, r: Math.max(rr[0], rr[1], rr[2]) + 1 }
      if (!capsulesClear(cap, capsules, 3) || !capsulesClear(cap, blobs, 2)) continue
      const def: BlobDef = { cell: i, c, r: rr, tex }
      if (scanBlob(def) < 12) continue
      nDist++
      commitBlob(def, nDist)
      blobs.push(cap)
    }
  }

  // ---- scattered non-synaptic vesicles (unlabelled clutter) ----------------------------------------------
  {
    const vr = stream(S_VES + 100)
    for (let i = 0; i < nCells; i++) {
      const n = vr.int(1, 5)
      const sp = P.seed(i)
      for (let k = 0; k < n; k++) {
        const off = 0.45 * CELL
        const p: Vec3 = [
          sp[0] + vr.range(-off, off),
          sp[1] + vr.range(-off, off),
          sp[2] + vr.range(-off, off),
        ]
        const r = vr.range(1.6, 3)
        P.locate(p)
        if (P.i1 !== i || P.h < r + 1.5) continue
        renderVesicle(p[0], p[1], p[2], r, i + 1, 80)
      }
    }
  }

  // ---- light xy blur [1 2 1]/4 (separable), Gaussian noise, quantisation --------------------------------------
  if (X >= 3 && Y >= 3) {
    const prev = new Float32Array(X)
    const cur = new Float32Array(X)
    for (let z = 0; z < Z; z++) {
      const zb = z * YX
      for (let y = 0; y < Y; y++) {
        const rb = zb + y * X
        let left = img[rb]!
        for (let x = 0; x < X; x++) {
          const c0 = img[rb + x]!
          const right = x + 1 < X ? img[rb + x + 1]! : c0
          img[rb + x] = 0.25 * (left + right) + 0.5 * c0
          left = c0
        }
      }
      prev.set(img.subarray(zb, zb + X))
      for (let y = 0; y < Y; y++) {
        const rb = zb + y * X
        cur.set(img.subarray(rb, rb + X))
        const nb = y + 1 < Y ? rb + X : rb
        for (let x = 0; x < X; x++) img[rb + x] = 0.25 * (prev[x]! + img[nb + x]!) + 0.5 * cur[x]!
        prev.set(cur)
      }
    }
  }
  {
    // table of 65536 normal deviates, indexed by 16 random bits per voxel
    const nr = stream(S_NOISE)
    const table = new Float32Array(65536)
    for (let k = 0; k < table.length; k++) table[k] = NOISE_SIGMA * nr.normal()
    const out = new Uint8ClampedArray(raw.buffer, raw.byteOffset, raw.length)
    let i = 0
    for (; i + 1 < N; i += 2) {
      const bits = (nr.next() * 4294967296) >>> 0
      out[i] = img[i]! + table[bits & 0xffff]!
      out[i + 1] = img[i + 1]! + table[bits >>> 16]!
    }
    if (i < N) out[i] = img[i]! + table[((nr.next() * 4294967296) >>> 0) & 0xffff]!
  }

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
