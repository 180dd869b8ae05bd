/** Small vector, hash and distance helpers of the synthetic scene (physical z, y, x order). */
import type { Rng } from '../random.ts'

export type Vec3 = [number, number, number]

export function fade(t: number): number {
  return t * t * (3 - 2 * t)
}

export function clamp01(t: number): number {
  return t < 0 ? 0 : t > 1 ? 1 : t
}

/** Integer hash of 3 ints + seed -> [0, 1). */
export function hash3(x: number, y: number, z: number, s: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(z | 0, 0x1b873593) ^ s
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

export function normalize(a: Vec3): Vec3 {
  const l = Math.hypot(a[0], a[1], a[2]) || 1
  return [a[0] / l, a[1] / l, a[2] / l]
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

/** A point uniformly within `off` of `p` along each axis (one draw per axis, z first). */
export function jitter(rng: Rng, p: Vec3, off: number): Vec3 {
  return [p[0] + rng.range(-off, off), p[1] + rng.range(-off, off), p[2] + rng.range(-off, off)]
}

export function randomUnit(rng: Rng): Vec3 {
  for (;;) {
    const v: Vec3 = [rng.normal(), rng.normal(), rng.normal()]
    const l = Math.hypot(v[0], v[1], v[2])
    if (l > 1e-6) return [v[0] / l, v[1] / l, v[2] / l]
  }
}

/** Two unit vectors completing n to an orthonormal basis, rotated in-plane by angle. */
export function planeBasis(n: Vec3, angle: number): [Vec3, Vec3] {
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
export function segSegDist2(p0: Vec3, p1: Vec3, q0: Vec3, q1: Vec3): number {
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

export interface Capsule {
  a: Vec3
  b: Vec3
  r: number
}

export function capsulesClear(c: Capsule, list: Capsule[], extra: number): boolean {
  for (const o of list) {
    const m = c.r + o.r + extra
    if (segSegDist2(c.a, c.b, o.a, o.b) < m * m) return false
  }
  return true
}
