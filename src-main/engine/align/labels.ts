/**
 * The per-slice label map that aligned mask patches are sampled from: 0 background, 1 inside an ROI without
 * polarity (mitochondria), +1 pre / -1 post inside a synapse.
 *
 * A synapse mask pixel whose polarity is 0 (predictions of the mask and of the polarity rarely agree to the
 * pixel) takes the sign of the nearest polarity pixel on the slice, so the patch shows whole pre and post
 * halves rather than holes; without any polarity pixel on the slice it is 1.
 */
export function sliceLabels(
  mask: ArrayLike<number>,
  polarity: ArrayLike<number> | undefined,
  h: number,
  w: number,
  offset = 0,
): Int8Array {
  const n = h * w
  const labels = new Int8Array(n)
  let unlabelled = false
  let seeds = false
  for (let i = 0; i < n; i++) {
    const p = polarity ? polarity[offset + i]! : 0
    if (p !== 0) seeds = true
    if (mask[offset + i] === 0) continue
    if (p > 0) labels[i] = 1
    else if (p < 0) labels[i] = -1
    else unlabelled = true
  }
  if (!unlabelled) return labels
  if (!polarity || !seeds) {
    for (let i = 0; i < n; i++) if (labels[i] === 0 && mask[offset + i] !== 0) labels[i] = 1
    return labels
  }
  const nearest = nearestSign(polarity, h, w, offset)
  for (let i = 0; i < n; i++) if (labels[i] === 0 && mask[offset + i] !== 0) labels[i] = nearest[i]!
  return labels
}

/**
 * Sign of the nearest non-zero polarity pixel for every pixel of the plane, by a two-pass 3x3 chamfer
 * propagation (weights 1 and sqrt 2): linear time, and exact enough to decide which side of a cleft a
 * pixel is on. Assumes at least one seed.
 */
function nearestSign(polarity: ArrayLike<number>, h: number, w: number, offset: number): Int8Array {
  const n = h * w
  const dist = new Float32Array(n).fill(Infinity)
  const sign = new Int8Array(n)
  for (let i = 0; i < n; i++) {
    const p = polarity[offset + i]!
    if (p !== 0) {
      dist[i] = 0
      sign[i] = p > 0 ? 1 : -1
    }
  }
  const relax = (i: number, j: number, step: number): void => {
    const d = dist[j]! + step
    if (d < dist[i]!) {
      dist[i] = d
      sign[i] = sign[j]!
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x
      if (x > 0) relax(i, i - 1, 1)
      if (y > 0) {
        relax(i, i - w, 1)
        if (x > 0) relax(i, i - w - 1, Math.SQRT2)
        if (x < w - 1) relax(i, i - w + 1, Math.SQRT2)
      }
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x
      if (x < w - 1) relax(i, i + 1, 1)
      if (y < h - 1) {
        relax(i, i + w, 1)
        if (x < w - 1) relax(i, i + w + 1, Math.SQRT2)
        if (x > 0) relax(i, i + w - 1, Math.SQRT2)
      }
    }
  }
  return sign
}
