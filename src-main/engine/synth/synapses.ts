import type { Rng } from '../random.ts'
import { CLEFT_HALF, S_SYN, S_VES, SLAB } from './constants.ts'
import { capsulesClear, clamp01, hash3, planeBasis, type Capsule, type Vec3 } from './geometry.ts'
import type { Scene } from './scene.ts'
import { renderVesicle } from './vesicles.ts'

export interface SynDef {
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

const T = CLEFT_HALF + SLAB

/** Scan one synapse's bbox into rec (tag: -1 render only, 0 cleft, 1 pre, 2 post); returns label counts. */
export function scanSynapse(scene: Scene, s: SynDef): [number, number, number] {
  const { W, rec, bbox, X, YX, clefts, preL, postL, cells } = scene
  const { c, n, u, v: w } = s
  const ext = (k: 0 | 1 | 2): number => Math.hypot(s.r1 * u[k], s.r2 * w[k]) * 1.12 + (T + 1) * Math.abs(n[k])
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
export function commitSynapse(scene: Scene, s: SynDef, id: number, synSums: number[]): void {
  const { rec, X, YX, clefts, preL, postL, img, texSeed } = scene
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

function placeVesicles(scene: Scene, s: SynDef, vr: Rng): void {
  const { P } = scene
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

/**
 * Clefts on faces between two cells, each with its pre and post slabs and vesicle cloud. Returns them
 * in id order with their label sums: per synapse 12 values, (sum z, sum y, sum x, n) for cleft, pre, post.
 */
export function placeSynapses(scene: Scene): { synDefs: SynDef[]; synSums: number[] } {
  const { stream, nCells, P, capsules, inVolume, an } = scene
  const synDefs: SynDef[] = []
  const synSums: number[] = []
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
              ok = pairOk(onPlane(c, Math.cos(ang) * (r1 + lv.ring), Math.sin(ang) * (r1 * aspect + lv.ring)))
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
        const [nc, npre, npost] = scanSynapse(scene, def)
        if (nc < 8 || npre < 4 || npost < 4) continue
        synDefs.push(def)
        capsules.push(cap)
        role[pre] = 1
        role[post] = 2
        commitSynapse(scene, def, synDefs.length, synSums)
        placeVesicles(scene, def, vr)
        const ves = def.ves
        for (let k = 0; k < ves.length; k += 4)
          renderVesicle(scene, ves[k]!, ves[k + 1]!, ves[k + 2]!, ves[k + 3]!, pre + 1, 72)
        break
      }
    }
  }
  return { synDefs, synSums }
}
