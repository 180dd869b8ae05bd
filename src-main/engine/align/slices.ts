/** Which z-slice of an ROI crop alignment looks at. */

/** Mask pixels (non-zero) per z-slice of a C-ordered [d, h, w] mask. */
export function sliceAreas(mask: ArrayLike<number>, shape: readonly [number, number, number]): Uint32Array {
  const [d, h, w] = shape
  const plane = h * w
  const areas = new Uint32Array(d)
  for (let z = 0; z < d; z++) {
    let k = 0
    const end = (z + 1) * plane
    for (let i = z * plane; i < end; i++) if (mask[i] !== 0) k++
    areas[z] = k
  }
  return areas
}

/** The paper's choice: the slice with the largest mask area (ties: lower z); -1 when the mask is empty. */
export function largestSlice(areas: ArrayLike<number>): number {
  let best = -1
  let bestArea = 0
  for (let z = 0; z < areas.length; z++) {
    const a = areas[z]!
    if (a > bestArea) {
      bestArea = a
      best = z
    }
  }
  return best
}

/**
 * The released code's choice: the non-empty slice nearest the z-centre of the mask's bounding box (ties:
 * lower z). The centre of a box can fall on an empty slice when the ROI has a gap, hence the search.
 * -1 when the mask is empty.
 */
export function centralSlice(areas: ArrayLike<number>): number {
  let z0 = -1
  let z1 = -1
  for (let z = 0; z < areas.length; z++) {
    if (areas[z] === 0) continue
    if (z0 < 0) z0 = z
    z1 = z
  }
  if (z0 < 0) return -1
  const centre = (z0 + z1) / 2
  let best = -1
  let bestDistance = Infinity
  for (let z = z0; z <= z1; z++) {
    const distance = Math.abs(z - centre)
    if (areas[z] !== 0 && distance < bestDistance) {
      bestDistance = distance
      best = z
    }
  }
  return best
}
