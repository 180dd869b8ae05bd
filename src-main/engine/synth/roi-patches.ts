import { CYTO_HI, CYTO_LO, MEM_I, MEM_VAR, NOISE_SIGMA } from './constants.ts'
import { clamp01, hash3 } from './geometry.ts'
import { createRng, type Rng } from '../random.ts'

/**
 * One proposal's aligned image and mask patch drawn directly in 2D, with the textures of the 3D
 * generator (mitochondria.ts, distractors.ts, vesicles.ts, membranes and noise of finish-image.ts), so
 * a paper-scale proposal set needs no 20k-object volume. Every kind is a shape in the object's own frame
 * (u along its long axis); rendering at angle 0 gives the aligned patch, at the ROI's angle its thumbnail.
 */
export type RoiKind =
  | 'correct'
  /** (a) wrong by shape or size: a cut piece of a mitochondrion, two mitochondria as one. */
  | 'fragment'
  | 'merge'
  /** (b) wrong by content, the mask drawn from the correct class's shapes: a lysosome-like dense body, a vesicle cloud. */
  | 'dense-body'
  | 'vesicle-cloud'
  /** (c) empty detections: a stretch of membrane, a blob of noise in the cytoplasm. */
  | 'membrane'
  | 'noise'

export const WRONG_KINDS = {
  shape: ['fragment', 'merge'],
  content: ['dense-body', 'vesicle-cloud'],
  empty: ['membrane', 'noise'],
} as const satisfies Record<string, readonly RoiKind[]>

export type WrongGroup = keyof typeof WRONG_KINDS

interface Ellipse {
  cu: number
  cv: number
  a: number
  b: number
  /** Boundary wobble: relative amplitude and phase of a 3-lobed radial ripple. */
  wob: number
  phase: number
}

interface Line {
  /** Unit normal and offset: the line is n . (u, v) = d. */
  nu: number
  nv: number
  d: number
}

export interface RoiDesign {
  kind: RoiKind
  /** The object's ellipses (two for a merge, none for an empty detection). */
  shapes: Ellipse[]
  /** The mask keeps u >= cut: a fragment's cut; -Infinity for every other kind. */
  cut: number
  /** Background membranes (dark lines), one of them the mask's for a membrane detection. */
  membranes: Line[]
  /** Stray vesicles of the cytoplasm; a vesicle cloud's own vesicles inside its shape. */
  vesicles: Array<{ u: number; v: number; r: number }>
  /** Mitochondrion texture: cristae period, phases, base grey. */
  period: number
  phase: number
  psi: number
  base: number
  /** Dense body / noise texture seed. */
  tex: number
  /** Cytoplasm grey. */
  cyto: number
  /** Thumbnail rotation, degrees. */
  angleDeg: number
  /** Half width of a membrane detection's band, its half length. */
  band: [number, number]
}

/**
 * The correct class's cross-sections (and, drawn by the same function, the content-wrong ones'): the
 * 3D generator's mitochondria (long radius 11..24 px, short 4.5..8) cut through at random heights.
 */
function mitoShape(rng: Rng, k: number): Ellipse {
  const b = rng.range(4, 8) * k
  const a = Math.max(b * 1.3, rng.range(8, 21) * k)
  return { cu: 0, cv: 0, a, b, wob: rng.range(0, 0.08), phase: rng.next() * 2 * Math.PI }
}

function insideEllipse(e: Ellipse, u: number, v: number): number {
  const du = u - e.cu
  const dv = v - e.cv
  const q = (du * du) / (e.a * e.a) + (dv * dv) / (e.b * e.b)
  // Far outside whatever the wobble: no angle needed (most pixels).
  if (q > (1 + e.wob) * (1 + e.wob) * 1.01) return q
  const s = 1 + e.wob * Math.sin(3 * Math.atan2(dv, du) + e.phase)
  return q / (s * s)
}

/** Distance to the ellipse's surface inside it, to first order (as mitochondria.ts). */
function surfaceDistance(e: Ellipse, u: number, v: number, qn: number): number {
  const du = u - e.cu
  const dv = v - e.cv
  const ia = 1 / (e.a * e.a)
  const ib = 1 / (e.b * e.b)
  const gl = 2 * Math.sqrt(du * du * ia * ia + dv * dv * ib * ib)
  return gl > 1e-9 ? (1 - qn) / gl : 99
}

/** A design for one ROI of `kind` at patch size `size`; all of it in the object's frame. */
export function designRoi(kind: RoiKind, rng: Rng, size: number): RoiDesign {
  const k = Math.min(1, size / 64)
  const half = size / 2
  const shapes: Ellipse[] = []
  let cut = -Infinity
  let band: [number, number] = [0, 0]
  if (kind === 'correct' || kind === 'dense-body' || kind === 'vesicle-cloud') shapes.push(mitoShape(rng, k))
  else if (kind === 'fragment') {
    // A small cut piece: the tip of a mitochondrion, 15..35 % of its length, centred.
    const e = mitoShape(rng, k)
    const piece = 2 * e.a * rng.range(0.15, 0.35)
    e.cu = piece / 2 - e.a
    cut = -piece / 2
    shapes.push(e)
  } else if (kind === 'merge') {
    // Two mitochondria end to end (or side by side), one component: too long or too wide.
    const e1 = mitoShape(rng, k * 0.85)
    const e2 = mitoShape(rng, k * 0.85)
    const side = rng.next() < 0.3
    if (side) {
      e1.cv = -e1.b * 0.8
      e2.cv = e2.b * 0.8
    } else {
      const overlap = rng.range(0.1, 0.25) * Math.min(e1.a, e2.a)
      const span = Math.min(e1.a + e2.a - overlap, half * 1.75)
      e1.cu = -span / 2
      e2.cu = span / 2
      e1.a = Math.min(e1.a, span / 2 + overlap / 2 + 1)
      e2.a = Math.min(e2.a, span / 2 + overlap / 2 + 1)
    }
    shapes.push(e1, e2)
  } else if (kind === 'membrane') band = [rng.range(1.5, 2.5), rng.range(8, 22) * k]
  const membranes: Line[] = []
  const lines = kind === 'membrane' ? 1 + rng.int(0, 2) : rng.int(0, 3)
  for (let i = 0; i < lines; i++) {
    // A membrane detection lies on its own membrane (the first, through the centre along u).
    const t = i === 0 && kind === 'membrane' ? Math.PI / 2 : rng.next() * Math.PI
    const clear = shapes.reduce((m, e) => Math.max(m, Math.abs(e.cv) + Math.max(e.a, e.b) + 3), 0)
    const d = i === 0 && kind === 'membrane' ? 0 : (rng.next() < 0.5 ? -1 : 1) * rng.range(clear, half * 1.4)
    membranes.push({ nu: Math.cos(t), nv: Math.sin(t), d })
  }
  const vesicles: RoiDesign['vesicles'] = []
  for (let i = rng.int(1, 6); i > 0; i--)
    vesicles.push({ u: rng.range(-half, half), v: rng.range(-half, half), r: rng.range(1.6, 3) })
  // Stray vesicles stay out of the object (vesicles.ts keeps them out of mitochondria).
  for (let i = vesicles.length - 1; i >= 0; i--)
    if (shapes.some((e) => insideEllipse(e, vesicles[i]!.u, vesicles[i]!.v) <= 1.2)) vesicles.splice(i, 1)
  if (kind === 'vesicle-cloud') {
    // Vesicles packed in the shape: a cloud with a mitochondrion's outline.
    const e = shapes[0]!
    for (let i = 0; i < 400 && vesicles.length < 60; i++) {
      const u = rng.range(-e.a, e.a)
      const v = rng.range(-e.b, e.b)
      const r = rng.range(1.6, 2.6)
      if (insideEllipse(e, u, v) > 0.8) continue
      if (vesicles.some((w) => Math.hypot(w.u - u, w.v - v) < w.r + r + 0.8)) continue
      vesicles.push({ u, v, r })
    }
  }
  return {
    kind,
    shapes,
    cut,
    membranes,
    vesicles,
    period: rng.range(5, 7),
    phase: rng.next() * 2 * Math.PI,
    psi: rng.next() * 2 * Math.PI,
    base: rng.range(112, 124),
    tex: (rng.next() * 4294967296) | 0,
    cyto: rng.range(CYTO_LO, CYTO_HI),
    angleDeg: rng.range(-180, 180),
    band,
  }
}

/** Whether (u, v) belongs to the ROI's mask. */
function inMask(d: RoiDesign, u: number, v: number): boolean {
  if (d.kind === 'membrane') return Math.abs(v) <= d.band[0] && Math.abs(u) <= d.band[1]
  if (d.kind === 'noise') {
    // A blob of thresholded smooth noise around the centre: irregular, of any size.
    const r = Math.hypot(u, v)
    const g = smoothNoise(u / 4, v / 4, d.tex)
    return r < 4 + 10 * g * (d.tex & 1 ? 1 : 0.6)
  }
  if (u < d.cut) return false
  return d.shapes.some((e) => insideEllipse(e, u, v) <= 1)
}

function smoothNoise(x: number, y: number, s: number): number {
  const x0 = Math.floor(x)
  const y0 = Math.floor(y)
  const fx = x - x0
  const fy = y - y0
  const h = (i: number, j: number): number => hash3(x0 + i, y0 + j, 0, s)
  const top = h(0, 0) * (1 - fx) + h(1, 0) * fx
  const bottom = h(0, 1) * (1 - fx) + h(1, 1) * fx
  return top * (1 - fy) + bottom * fy
}

/** The grey of (u, v) before blur and noise. */
function grey(d: RoiDesign, u: number, v: number): number {
  let val = d.cyto + 10 * (smoothNoise(u / 16, v / 16, d.tex ^ 0x51ed27) - 0.5)
  for (const m of d.membranes) {
    const h = m.nu * u + m.nv * v - m.d
    if (h > 6 || h < -6) continue
    val += (MEM_I - val) * Math.exp((-h * h) / (2 * MEM_VAR))
  }
  if (d.kind === 'noise') val += 28 * (smoothNoise(u / 3, v / 3, d.tex) - 0.5)
  for (const e of d.shapes) {
    const qn = insideEllipse(e, u, v)
    if (qn > 1) continue
    const ds = surfaceDistance(e, u, v, qn)
    if (d.kind === 'dense-body') {
      // distractors.ts: granular dark content, a few light inclusions, a dark rim.
      const g = hash3(Math.floor(u / 1.7), Math.floor(v / 1.7), 0, d.tex)
      val = 74 + 46 * (g - 0.5)
      const g2 = hash3(Math.floor(u / 2.3), Math.floor(v / 2.3), 1, d.tex ^ 0x2545f491)
      if (g2 > 0.9 && ds > 1.5) val = 135
      val += (48 - val) * clamp01((1.6 - ds) / 0.8)
    } else if (d.kind === 'vesicle-cloud') {
      // A light cloud bounded by nothing but its vesicles.
      val += (150 - val) * 0.3
    } else {
      // mitochondria.ts: transverse cristae, a double membrane at the surface.
      const k = (2 * Math.PI) / d.period
      const s = Math.cos((u - e.cu) * k + d.phase + 0.9 * Math.sin(v * 0.5 + d.psi))
      const wc = clamp01((s - 0.5) / 0.3) * clamp01(ds - 1.6)
      val = d.base + (70 - d.base) * wc
      val += (62 - val) * clamp01((1.9 - ds) / 0.6)
    }
    break
  }
  for (const w of d.vesicles) {
    const du = u - w.u
    const dv = v - w.v
    const lim = w.r + 1.3
    if (du > lim || du < -lim || dv > lim || dv < -lim) continue
    const rho = Math.sqrt(du * du + dv * dv)
    if (rho > lim) continue
    if (rho < w.r - 0.8) val += (150 - val) * 0.45
    const dr = rho - w.r
    val += (80 - val) * 0.9 * Math.exp((-dr * dr) / 0.5)
  }
  return val
}

let normals: Float32Array | null = null
/** finish-image.ts's trick: normal deviates (sigma NOISE_SIGMA) from a table, one uniform draw a pixel. */
function noiseTable(): Float32Array {
  if (normals) return normals
  const rng = createRng(0x5eed)
  normals = Float32Array.from({ length: 65536 }, () => NOISE_SIGMA * rng.normal())
  return normals
}

/**
 * The design rendered into size x size image and mask patches, rotated by `angleDeg` about the centre:
 * the [1 2 1] blur, Gaussian noise (sigma NOISE_SIGMA) and uint8 quantisation of finish-image.ts.
 */
export function renderRoi(
  d: RoiDesign,
  size: number,
  angleDeg: number,
  rng: Rng,
  image: Uint8Array,
  mask: Int8Array,
): void {
  const c = (size - 1) / 2
  const t = (angleDeg * Math.PI) / 180
  const cos = Math.cos(t)
  const sin = Math.sin(t)
  const img = new Float32Array(size * size)
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      // pixel -> object frame: the inverse rotation
      const u = (x - c) * cos + (y - c) * sin
      const v = -(x - c) * sin + (y - c) * cos
      const i = y * size + x
      img[i] = grey(d, u, v)
      mask[i] = inMask(d, u, v) ? 1 : 0
    }
  const table = noiseTable()
  const tmp = new Float32Array(size * size)
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const i = y * size + x
      const l = img[x > 0 ? i - 1 : i]!
      const r = img[x + 1 < size ? i + 1 : i]!
      tmp[i] = 0.25 * (l + r) + 0.5 * img[i]!
    }
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const i = y * size + x
      const up = tmp[y > 0 ? i - size : i]!
      const down = tmp[y + 1 < size ? i + size : i]!
      const bits = (rng.next() * 65536) | 0
      const val = 0.25 * (up + down) + 0.5 * tmp[i]! + table[bits]!
      image[i] = val < 0 ? 0 : val > 255 ? 255 : Math.round(val)
    }
}
