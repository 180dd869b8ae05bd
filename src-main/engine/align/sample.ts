/**
 * Resampling of one crop plane into a square patch through a rotated, scaled frame.
 *
 * Output pixel (r, c) of a size x size patch sits at offsets u = (r - m) / scale along the frame's row
 * direction (dy, dx) and v = (c - m) / scale along its column direction (-dx, dy), with m = floor(size / 2),
 * from the centre (cy, cx); it reads the crop at
 *   y = cy + u * dy - v * dx,   x = cx + u * dx + v * dy.
 * The column direction is the row direction turned by +90 degrees, so the map is a rotation (determinant
 * +1) and never a mirror. With (dy, dx) = (1, 0), scale 1 and an integer centre it is a plain crop whose
 * pixel (m, m) is the centre.
 */

export interface SampleFrame {
  /** Crop position (row, column) that lands on output pixel (m, m), m = floor(size / 2). */
  cy: number
  cx: number
  /** Unit vector, in crop pixels, along which output rows advance (the output's +y). */
  dy: number
  dx: number
  /** Output pixels per crop pixel. */
  scale: number
  /** Side of the square output, in pixels. */
  size: number
}

/**
 * How far from the centre (in crop pixels) a caller must include image around the ROI so the rotated patch
 * never samples outside real data: a patch corner lies size/2 * sqrt(2) / scale from the centre, and
 * bilinear interpolation reads one more pixel.
 */
export function cropRadius(size: number, scale = 1): number {
  return Math.ceil(((size / 2) * Math.SQRT2) / scale) + 1
}

/**
 * Bilinear samples of the h x w plane of `src` that starts at `offset`. Positions outside the plane take
 * the nearest edge value (clamped), so a crop that is a little short at a volume border degrades gently.
 */
export function sampleRotated(
  src: ArrayLike<number>,
  h: number,
  w: number,
  frame: SampleFrame,
  offset = 0,
  out?: Float32Array,
): Float32Array {
  const result = out ?? new Float32Array(frame.size * frame.size)
  eachPixel(frame, result.length, (i, y, x) => {
    const fy = Math.floor(y)
    const fx = Math.floor(x)
    const ty = y - fy
    const tx = x - fx
    const y0 = fy < 0 ? 0 : fy >= h ? h - 1 : fy
    const y1 = fy + 1 < 0 ? 0 : fy + 1 >= h ? h - 1 : fy + 1
    const x0 = fx < 0 ? 0 : fx >= w ? w - 1 : fx
    const x1 = fx + 1 < 0 ? 0 : fx + 1 >= w ? w - 1 : fx + 1
    const a = offset + y0 * w
    const b = offset + y1 * w
    const top = src[a + x0]! * (1 - tx) + src[a + x1]! * tx
    const bottom = src[b + x0]! * (1 - tx) + src[b + x1]! * tx
    result[i] = top * (1 - ty) + bottom * ty
  })
  return result
}

/**
 * Nearest-neighbour samples (labels must not be blended) of the h x w plane of `src` that starts at
 * `offset`; positions outside the plane are 0 (background), since a label cannot be extrapolated.
 */
export function sampleRotatedNearest(
  src: ArrayLike<number>,
  h: number,
  w: number,
  frame: SampleFrame,
  offset = 0,
  out?: Int8Array,
): Int8Array {
  const result = out ?? new Int8Array(frame.size * frame.size)
  eachPixel(frame, result.length, (i, y, x) => {
    const ny = Math.floor(y + 0.5)
    const nx = Math.floor(x + 0.5)
    result[i] = ny < 0 || ny >= h || nx < 0 || nx >= w ? 0 : src[offset + ny * w + nx]!
  })
  return result
}

/**
 * Calls `visit` with each output pixel's index (raster order) and crop position, once the frame and the
 * output's length (`length` pixels) are checked.
 */
function eachPixel(
  frame: SampleFrame,
  length: number,
  visit: (i: number, y: number, x: number) => void,
): void {
  const { size } = frame
  checkOut(length, size)
  const { ry, rx, cy, cx, m } = steps(frame)
  let i = 0
  for (let r = 0; r < size; r++) {
    const u = r - m
    // Row start at column 0, then one column step per pixel: no per-pixel trigonometry.
    let y = cy + u * ry + m * rx
    let x = cx + u * rx - m * ry
    for (let c = 0; c < size; c++, y -= rx, x += ry) visit(i++, y, x)
  }
}

/** Per-output-pixel steps in the crop: (ry, rx) per row, (-rx, ry) per column. */
function steps(frame: SampleFrame): { ry: number; rx: number; cy: number; cx: number; m: number } {
  const { size, scale, dy, dx } = frame
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`patch size must be a positive integer, got ${size}`)
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new Error(`scale must be positive and finite, got ${scale}`)
  const norm = Math.hypot(dy, dx)
  if (!(norm > 0)) throw new Error(`frame direction (${dy}, ${dx}) has no length`)
  // Renormalised so an approximately unit direction cannot stretch the patch; exact for (1, 0).
  return { ry: dy / norm / scale, rx: dx / norm / scale, cy: frame.cy, cx: frame.cx, m: Math.floor(size / 2) }
}

function checkOut(length: number, size: number): void {
  if (length !== size * size) throw new Error(`output of ${length} pixels for a ${size}x${size} patch`)
}
