import { InputError } from '../errors.ts'
import type { TypedArray } from './dtype.ts'
import { checkRegion } from './checks.ts'
import type { Region, Shape3, Volume } from './types.ts'

/** `PATH#DS[z0:z1,y0:y1,x0:x1]`: a box of a volume, so a held-out part needs no copy of the data. */
const SUFFIX = /\[\s*([^\]]*)\]\s*$/

/** Splits a trailing `[z0:z1,y0:y1,x0:x1]` off a spec; an empty bound means the axis's start or end. */
export function splitRegionSuffix(spec: string): {
  base: string
  box: Array<[number | null, number | null]> | null
} {
  const m = SUFFIX.exec(spec)
  if (!m) return { base: spec, box: null }
  const axes = m[1]!.split(',').map((a) => a.trim())
  const bad = (): never => {
    throw new InputError(
      `${spec}: expected a box as [z0:z1,y0:y1,x0:x1] (voxels, half-open, empty bounds allowed), found [${m[1]}]`,
    )
  }
  if (axes.length !== 3) bad()
  const box = axes.map((a) => {
    const parts = a.split(':')
    if (parts.length !== 2) bad()
    return parts.map((p) => {
      if (p.trim() === '') return null
      if (!/^\d+$/.test(p.trim())) bad()
      return Number(p)
    }) as [number | null, number | null]
  })
  return { base: spec.slice(0, m.index), box }
}

/** The box on a volume of `shape`, checked to lie inside it and hold at least one voxel per axis. */
export function resolveBox(
  spec: string,
  shape: Shape3,
  box: ReadonlyArray<[number | null, number | null]>,
): Region {
  const [z, y, x] = box.map(([a, b], i) => [a ?? 0, b ?? shape[i]!] as const)
  const r: Region = { z0: z![0], z1: z![1], y0: y![0], y1: y![1], x0: x![0], x1: x![1] }
  const names = ['z', 'y', 'x']
  ;[z!, y!, x!].forEach(([a, b], i) => {
    if (!(a < b && b <= shape[i]!))
      throw new InputError(
        `${spec}: box ${names[i]} ${a}:${b} lies outside the volume's ${names[i]} extent 0:${shape[i]} or is empty`,
      )
  })
  return r
}

/** A volume reading only `box` of `inner`, with its own origin at the box's corner. */
export class SubVolume implements Volume {
  readonly spec: string
  readonly shape: Shape3
  readonly chunks: Shape3

  constructor(
    private readonly inner: Volume,
    readonly box: Region,
  ) {
    this.spec = `${inner.spec}[${box.z0}:${box.z1},${box.y0}:${box.y1},${box.x0}:${box.x1}]`
    this.shape = [box.z1 - box.z0, box.y1 - box.y0, box.x1 - box.x0]
    this.chunks = inner.chunks.map((c, i) => Math.min(c, this.shape[i]!)) as Shape3
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
    const b = this.box
    return this.inner.readRegion(
      {
        z0: r.z0 + b.z0,
        z1: r.z1 + b.z0,
        y0: r.y0 + b.y0,
        y1: r.y1 + b.y0,
        x0: r.x0 + b.x0,
        x1: r.x1 + b.x0,
      },
      out,
    )
  }

  close(): void {
    this.inner.close()
  }
}
