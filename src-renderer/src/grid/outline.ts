/**
 * A query thumbnail as RGBA pixels: the grey image with the mask's outline drawn over it (and a faint
 * tint inside), mitochondria in one colour, the pre- and post-synaptic sides in two others.
 */

export type Rgb = readonly [number, number, number]

export interface OutlinePalette {
  /** Colour of mask value 1 (a mitochondrion, or the pre-synaptic side) and of -1 (post-synaptic). */
  positive: Rgb
  negative: Rgb
  /** Share of the mask colour mixed into the grey inside the object, 0..1. */
  tint: number
}

export const MITO_PALETTE: OutlinePalette = { positive: [255, 196, 0], negative: [255, 196, 0], tint: 0.1 }
export const SYNAPSE_PALETTE: OutlinePalette = {
  positive: [0, 229, 255],
  negative: [255, 64, 230],
  tint: 0.12,
}

/**
 * 1 where a mask pixel lies on the edge of its region: some 4-neighbour inside the patch has another
 * value. The patch border itself is not an edge: a region cut off by the crop stays open there.
 */
export function outlineOf(mask: ArrayLike<number>, size: number): Uint8Array {
  const edge = new Uint8Array(size * size)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x
      const v = mask[i]!
      if (v === 0) continue
      if (
        (x > 0 && mask[i - 1] !== v) ||
        (x < size - 1 && mask[i + 1] !== v) ||
        (y > 0 && mask[i - size] !== v) ||
        (y < size - 1 && mask[i + size] !== v)
      )
        edge[i] = 1
    }
  }
  return edge
}

/** RGBA, size x size, row-major: what the tile's canvas shows. */
export function renderThumb(
  image: ArrayLike<number>,
  mask: ArrayLike<number>,
  size: number,
  palette: OutlinePalette,
  outline = true,
): Uint8ClampedArray {
  const n = size * size
  if (image.length !== n || mask.length !== n)
    throw new Error(`thumbnail: expected ${n} pixels, got image ${image.length} and mask ${mask.length}`)
  const edge = outlineOf(mask, size)
  const out = new Uint8ClampedArray(n * 4)
  for (let i = 0; i < n; i++) {
    const g = image[i]!
    const v = mask[i]!
    const o = i * 4
    out[o + 3] = 255
    if (v === 0 || !outline) {
      out[o] = out[o + 1] = out[o + 2] = g
      continue
    }
    const c = v > 0 ? palette.positive : palette.negative
    const a = edge[i] ? 1 : palette.tint
    out[o] = g + (c[0] - g) * a
    out[o + 1] = g + (c[1] - g) * a
    out[o + 2] = g + (c[2] - g) * a
  }
  return out
}
