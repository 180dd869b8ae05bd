/**
 * Principal axes of a 2D pixel set, the orientation step of ROI alignment.
 *
 * Angle convention (used throughout align/): an axis direction (dy, dx) in crop pixels, y = row (down),
 * x = column (right), has the angle atan2(dx, dy), measured from +y towards +x. An undirected axis is
 * reported with angle in (-90, 90] degrees, i.e. the direction whose y component is positive (or +x when it
 * is horizontal), so that results without a polarity cue are reproducible.
 */

export interface PrincipalAxis {
  /** Pixels in the set. */
  count: number
  /** Centroid (row, column). */
  cy: number
  cx: number
  /** Unit direction of the first principal axis (largest variance), with dy > 0 or (dy = 0, dx = 1). */
  dy: number
  dx: number
  /** atan2(dx, dy) of that direction, in (-pi/2, pi/2]; 0 when the set has no preferred direction. */
  angleRad: number
  /** Eigenvalues of the (population) covariance, major >= minor >= 0, in squared pixels. */
  major: number
  minor: number
}

/**
 * Below this ratio of eigenvalue spread to mean variance the set counts as isotropic: a disc rasterised on
 * the grid has a tiny spurious anisotropy, and turning it by an arbitrary angle would only blur the patch.
 */
const ISOTROPIC = 1e-9

/**
 * PCA of the pixels of `mask` (non-zero = in) in the h x w plane that starts at `offset`.
 *
 * Two passes (centroid first, then centred second moments) rather than raw moment sums: raw sums over a
 * large slice cancel catastrophically, and centred sums keep a symmetric shape exactly symmetric, which the
 * isotropy test relies on. The 2x2 eigenproblem is solved in closed form.
 * Returns null for an empty set.
 */
export function principalAxis(
  mask: ArrayLike<number>,
  h: number,
  w: number,
  offset = 0,
): PrincipalAxis | null {
  let n = 0
  let sy = 0
  let sx = 0
  let y0 = h
  let y1 = -1
  for (let y = 0; y < h; y++) {
    const row = offset + y * w
    let k = 0
    let s = 0
    for (let x = 0; x < w; x++) {
      if (mask[row + x] !== 0) {
        k++
        s += x
      }
    }
    if (k > 0) {
      n += k
      sx += s
      sy += k * y
      if (y < y0) y0 = y
      y1 = y
    }
  }
  if (n === 0) return null
  const cy = sy / n
  const cx = sx / n
  let syy = 0
  let sxx = 0
  let sxy = 0
  for (let y = y0; y <= y1; y++) {
    const row = offset + y * w
    const ey = y - cy
    for (let x = 0; x < w; x++) {
      if (mask[row + x] !== 0) {
        const ex = x - cx
        syy += ey * ey
        sxx += ex * ex
        sxy += ey * ex
      }
    }
  }
  return axisOfCovariance(n, cy, cx, syy / n, sxy / n, sxx / n)
}

/** Closed-form eigen decomposition of [[a, b], [b, c]] (a = var y, b = cov yx, c = var x). */
export function axisOfCovariance(
  count: number,
  cy: number,
  cx: number,
  a: number,
  b: number,
  c: number,
): PrincipalAxis {
  const mean = (a + c) / 2
  const half = (a - c) / 2
  const spread = Math.hypot(half, b)
  const major = mean + spread
  const minor = Math.max(0, mean - spread)
  if (!(spread > ISOTROPIC * mean)) return { count, cy, cx, dy: 1, dx: 0, angleRad: 0, major, minor }
  // The major eigenvector makes angle t with +y where tan(2t) = 2b / (a - c); atan2 puts t in (-pi/2, pi/2].
  const angleRad = 0.5 * Math.atan2(b, half)
  // Exact values at the ends of the range keep a horizontal axis from getting a -0 or 6e-17 y component.
  const horizontal = angleRad === Math.PI / 2
  return {
    count,
    cy,
    cx,
    dy: horizontal ? 0 : Math.cos(angleRad),
    dx: horizontal ? 1 : Math.sin(angleRad),
    angleRad,
    major,
    minor,
  }
}
