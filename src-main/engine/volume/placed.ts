import { checkRegion } from './checks.ts'
import { allocate, type TypedArray } from './dtype.ts'
import { regionSize, type Region, type Shape3, type Volume } from './types.ts'

/**
 * A volume laid into a larger one's coordinates: `inner` at `offset` inside `shape`, the fill value (0)
 * everywhere else. The inverse of a box: a map predicted from a box of an image, read in the image's
 * voxels, so it lies over the part it was predicted from.
 */
export class PlacedVolume implements Volume {
  readonly spec: string
  readonly chunks: Shape3

  constructor(
    private readonly inner: Volume,
    readonly offset: Shape3,
    readonly shape: Shape3,
  ) {
    this.spec = `${inner.spec} at ${offset.join(',')}`
    this.chunks = inner.chunks.map((c, i) => Math.min(c, shape[i]!)) as Shape3
  }

  get path(): string {
    return this.inner.path
  }
  get dataset(): string {
    return this.inner.dataset
  }
  get format(): Volume['format'] {
    return this.inner.format
  }
  get dtype(): Volume['dtype'] {
    return this.inner.dtype
  }
  get chunked(): boolean {
    return this.inner.chunked
  }
  get attributes(): Record<string, unknown> {
    return this.inner.attributes
  }

  async readRegion(r: Region, out?: TypedArray): Promise<TypedArray> {
    checkRegion(this.spec, this.shape, r)
    const result = out ?? allocate(this.dtype, regionSize(r))
    // One element type throughout (`out` is of the volume's dtype), so one array type serves for copying.
    const values = result as unknown as Float64Array
    if (out) {
      if (out instanceof BigInt64Array || out instanceof BigUint64Array) out.fill(0n)
      else values.fill(0)
    }
    const [oz, oy, ox] = this.offset
    const [nz, ny, nx] = this.inner.shape
    // The part of the region the inner volume covers, in the inner volume's voxels.
    const z0 = Math.max(r.z0 - oz, 0)
    const z1 = Math.min(r.z1 - oz, nz)
    const y0 = Math.max(r.y0 - oy, 0)
    const y1 = Math.min(r.y1 - oy, ny)
    const x0 = Math.max(r.x0 - ox, 0)
    const x1 = Math.min(r.x1 - ox, nx)
    if (z0 >= z1 || y0 >= y1 || x0 >= x1) return result
    const part = (await this.inner.readRegion({ z0, z1, y0, y1, x0, x1 })) as unknown as Float64Array
    const sy = r.y1 - r.y0
    const sx = r.x1 - r.x0
    const w = x1 - x0
    for (let z = z0; z < z1; z++)
      for (let y = y0; y < y1; y++) {
        const from = ((z - z0) * (y1 - y0) + (y - y0)) * w
        const to = ((z + oz - r.z0) * sy + (y + oy - r.y0)) * sx + (x0 + ox - r.x0)
        values.set(part.subarray(from, from + w), to)
      }
    return result
  }

  close(): void {
    this.inner.close()
  }
}
