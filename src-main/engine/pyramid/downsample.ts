import type { Shape3, TypedArray } from '../volume/index.ts'

export type LabelRule = 'mode' | 'keep-small'

/**
 * Reduces `src` (shape `inShape`) by `step` into `out` (shape `outShape`): each output voxel from
 * the block of up to step[0] x step[1] x step[2] input voxels it covers (fewer at the far edges).
 * Images take the block's mean (integers rounded half up); labels its most frequent value (ties to the
 * smallest), or with `keep-small` its most frequent non-zero value, so an object smaller than a
 * block survives the level.
 */
export function downsample(
  src: TypedArray,
  inShape: Shape3,
  step: Shape3,
  out: TypedArray,
  outShape: Shape3,
  kind: 'image' | 'labels',
  rule: LabelRule = 'mode',
): void {
  const integer = !(out instanceof Float32Array || out instanceof Float64Array)
  const big = out instanceof BigUint64Array || out instanceof BigInt64Array
  const [, inY, inX] = inShape
  const values: number[] = []
  let o = 0
  for (let z = 0; z < outShape[0]; z++)
    for (let y = 0; y < outShape[1]; y++)
      for (let x = 0; x < outShape[2]; x++) {
        const z1 = Math.min(inShape[0], (z + 1) * step[0])
        const y1 = Math.min(inY, (y + 1) * step[1])
        const x1 = Math.min(inX, (x + 1) * step[2])
        let sum = 0
        let n = 0
        values.length = 0
        for (let zz = z * step[0]; zz < z1; zz++)
          for (let yy = y * step[1]; yy < y1; yy++) {
            const row = (zz * inY + yy) * inX
            for (let xx = x * step[2]; xx < x1; xx++) {
              const v = Number(src[row + xx])
              if (kind === 'image') {
                sum += v
                n++
              } else values.push(v)
            }
          }
        const v = kind === 'image' ? (integer ? Math.floor(sum / n + 0.5) : sum / n) : mode(values, rule)
        if (big) (out as BigUint64Array)[o++] = BigInt(v)
        else (out as Float64Array)[o++] = v
      }
}

function mode(values: number[], rule: LabelRule): number {
  const counts = new Map<number, number>()
  for (const v of values) if (rule === 'mode' || v !== 0) counts.set(v, (counts.get(v) ?? 0) + 1)
  let best = 0
  let most = 0
  for (const [v, n] of counts) if (n > most || (n === most && v < best)) [best, most] = [v, n]
  return most === 0 ? 0 : best
}
