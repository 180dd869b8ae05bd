/**
 * The "contact zone" of a synapse on one slice, as the authors' released code orients synapses: pixels
 * within 2 px (5x5 box) of both the pre- and the post-synaptic side. Pre and post touch along the cleft, so
 * the zone is a band along it whose first principal axis follows the cleft even when the whole synapse mask
 * is blob-shaped.
 */

/** The released code's dilation: a 3x3 box twice, i.e. a 5x5 box. */
export const CONTACT_RADIUS = 2
/** Below this many zone pixels the band is too short to give a reliable direction. */
export const MIN_CONTACT_PIXELS = 20

/**
 * 1 where a pixel of the h x w plane at `offset` of `polarity` is within `radius` (box, Chebyshev
 * distance) of a pre (> 0) and of a post (< 0) pixel, else 0. Returns the zone and its pixel count.
 */
export function contactZone(
  polarity: ArrayLike<number>,
  h: number,
  w: number,
  offset = 0,
  radius = CONTACT_RADIUS,
): { zone: Uint8Array; count: number } {
  const n = h * w
  const pre = new Uint8Array(n)
  const post = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const p = polarity[offset + i]!
    if (p > 0) pre[i] = 1
    else if (p < 0) post[i] = 1
  }
  const scratch = new Uint8Array(n)
  dilateBox(pre, h, w, radius, scratch)
  dilateBox(post, h, w, radius, scratch)
  let count = 0
  for (let i = 0; i < n; i++) {
    const both = pre[i]! & post[i]!
    pre[i] = both
    count += both
  }
  return { zone: pre, count }
}

/**
 * In-place binary dilation of an h x w plane by a (2r+1)^2 box, as two separable 1D passes; each pass keeps
 * a running count of foreground in the window, so the cost does not grow with r. Outside is background.
 * `scratch` (h * w bytes) holds the intermediate result.
 */
export function dilateBox(mask: Uint8Array, h: number, w: number, r: number, scratch?: Uint8Array): void {
  if (r <= 0) return
  const tmp = scratch ?? new Uint8Array(h * w)
  // Along x: mask -> tmp.
  for (let y = 0; y < h; y++) {
    const row = y * w
    let k = 0
    for (let x = 0; x < Math.min(r, w); x++) k += mask[row + x]! !== 0 ? 1 : 0
    for (let x = 0; x < w; x++) {
      const enter = x + r
      if (enter < w && mask[row + enter] !== 0) k++
      tmp[row + x] = k > 0 ? 1 : 0
      const leave = x - r
      if (leave >= 0 && mask[row + leave] !== 0) k--
    }
  }
  // Along y: tmp -> mask.
  for (let x = 0; x < w; x++) {
    let k = 0
    for (let y = 0; y < Math.min(r, h); y++) k += tmp[y * w + x]!
    for (let y = 0; y < h; y++) {
      const enter = y + r
      if (enter < h) k += tmp[enter * w + x]!
      mask[y * w + x] = k > 0 ? 1 : 0
      const leave = y - r
      if (leave >= 0) k -= tmp[leave * w + x]!
    }
  }
}
