/** Synthetic ROIs for the alignment tests, drawn at known angles (from +y towards +x, y = row). */

export interface Drawn {
  image: Float32Array
  mask: Uint8Array
  polarity?: Int8Array
  shape: [number, number, number]
}

const RAD = Math.PI / 180
const CLEFT = 1.25

/** A filled ellipse with semi-axes `major` along `angleDeg` and `minor` across it, on slice z. */
export function drawEllipse(
  target: Uint8Array,
  shape: [number, number, number],
  z: number,
  cy: number,
  cx: number,
  major: number,
  minor: number,
  angleDeg: number,
): void {
  const [, h, w] = shape
  const dy = Math.cos(angleDeg * RAD)
  const dx = Math.sin(angleDeg * RAD)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t = (y - cy) * dy + (x - cx) * dx
      const n = -(y - cy) * dx + (x - cx) * dy
      if ((t / major) ** 2 + (n / minor) ** 2 <= 1) target[(z * h + y) * w + x] = 1
    }
  }
}

/**
 * A synapse on every slice: a cleft of half-width 1.25 (clear of the grid, where rounding would pick sides)
 * through (cy, cx) along `angleDeg`, `length` long,
 * with a `thickness` slab on each side. The slab on the cleft's +normal side (normal = direction turned by
 * +90 degrees, (-sin, cos)) is pre when `preOnPlus`, else post. The mask covers both slabs and the cleft;
 * polarity is 0 in the cleft.
 */
export function drawSynapse(
  shape: [number, number, number],
  cy: number,
  cx: number,
  angleDeg: number,
  length: number,
  thickness: number,
  preOnPlus: boolean,
): Drawn {
  const [d, h, w] = shape
  const mask = new Uint8Array(d * h * w)
  const polarity = new Int8Array(d * h * w)
  const dy = Math.cos(angleDeg * RAD)
  const dx = Math.sin(angleDeg * RAD)
  for (let z = 0; z < d; z++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const t = (y - cy) * dy + (x - cx) * dx
        const n = -(y - cy) * dx + (x - cx) * dy
        if (Math.abs(t) > length / 2 || Math.abs(n) > CLEFT + thickness) continue
        const i = (z * h + y) * w + x
        mask[i] = 1
        if (Math.abs(n) < CLEFT) continue
        polarity[i] = n > 0 === preOnPlus ? 1 : -1
      }
    }
  }
  return { image: new Float32Array(d * h * w), mask, polarity, shape }
}

/** Means of the output columns of the pre (+1) and post (-1) pixels of a size x size patch. */
export function sideColumns(patch: Int8Array, size: number): { pre: number; post: number } {
  let nPre = 0
  let nPost = 0
  let sPre = 0
  let sPost = 0
  for (let i = 0; i < patch.length; i++) {
    const c = i % size
    if (patch[i]! > 0) {
      nPre++
      sPre += c
    } else if (patch[i]! < 0) {
      nPost++
      sPost += c
    }
  }
  return { pre: sPre / nPre, post: sPost / nPost }
}

/** Rows and columns spanned by the non-zero pixels of a size x size patch. */
export function extents(patch: ArrayLike<number>, size: number): { rows: number; cols: number } {
  let r0 = size
  let r1 = -1
  let c0 = size
  let c1 = -1
  for (let i = 0; i < patch.length; i++) {
    if (patch[i] === 0) continue
    const r = Math.floor(i / size)
    const c = i % size
    r0 = Math.min(r0, r)
    r1 = Math.max(r1, r)
    c0 = Math.min(c0, c)
    c1 = Math.max(c1, c)
  }
  return { rows: r1 - r0 + 1, cols: c1 - c0 + 1 }
}

/** Unsigned difference of two axis angles (degrees, modulo 180), in [0, 90]. */
export function axisDifference(a: number, b: number): number {
  const d = (((a - b) % 180) + 180) % 180
  return Math.min(d, 180 - d)
}
