import { InputError } from '../errors.ts'
import { isDType, type DType } from './dtype.ts'
import type { ArrayInfo, Region, Shape3 } from './types.ts'

export function requireSingleArray(path: string, arrays: ArrayInfo[]): ArrayInfo {
  if (arrays.length === 1) return arrays[0]!
  if (arrays.length === 0) throw new InputError(`${path}: holds no array`)
  const names = arrays.map((a) => a.name).join(', ')
  throw new InputError(`${path}: holds ${arrays.length} arrays, name one as PATH#DATASET (${names})`)
}

/**
 * OME-Zarr stores (t, c, z, y, x) even for one channel: leading axes of length 1 are dropped,
 * `lead` says how many, so readers index them at 0.
 */
export function requireVolumeArray(
  spec: string,
  info: ArrayInfo,
): { shape: Shape3; dtype: DType; lead: number } {
  const lead = info.shape.length - 3
  if (lead < 0 || info.shape.slice(0, lead).some((n) => n !== 1)) {
    throw new InputError(
      `${spec}: expected a 3D array (z, y, x), found ${info.shape.length}D shape [${info.shape}]`,
    )
  }
  if (!isDType(info.dtype)) {
    throw new InputError(
      `${spec}: unsupported dtype '${info.dtype}', expected an integer or float32/float64 array`,
    )
  }
  if (info.shape.some((n) => n === 0)) throw new InputError(`${spec}: empty array, shape [${info.shape}]`)
  return { shape: info.shape.slice(lead) as Shape3, dtype: info.dtype, lead }
}

export function checkRegion(spec: string, shape: Shape3, r: Region): void {
  const axes: Array<[string, number, number, number]> = [
    ['z', r.z0, r.z1, shape[0]],
    ['y', r.y0, r.y1, shape[1]],
    ['x', r.x0, r.x1, shape[2]],
  ]
  for (const [axis, a, b, n] of axes) {
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b > n || a >= b) {
      throw new InputError(
        `${spec}: region ${axis} ${a}:${b} out of bounds, expected 0 <= start < stop <= ${n} (shape [${shape}])`,
      )
    }
  }
}
