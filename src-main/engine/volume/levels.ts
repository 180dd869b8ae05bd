import { existsSync } from 'node:fs'
import { InputError } from '../errors.ts'
import { displayWindow } from './crop.ts'
import { toNumberArrayView } from './dtype.ts'
import { openVolume } from './open.ts'
import { parseSpec } from './spec.ts'
import { splitRegionSuffix } from './subvolume.ts'
import type { Shape3, Volume } from './types.ts'
import { findMultiscale, type Multiscale } from './multiscale.ts'

/** One resolution level of a volume as the viewer reads it. */
export interface VolumeLevel {
  shape: Shape3
  /** Level-0 voxels per voxel of this level, z, y, x. */
  factor: Shape3
  /** The extent of one display tile per axis: whole chunks, about 256 voxels. */
  tile: Shape3
  /** False for a level read from its own array (a pyramid); true for level 0 read at a stride. */
  strided: boolean
}

/** A tile: one slice along `axis` at `index`, rows and columns along the other two axes in z, y, x order. */
export interface TileRequest {
  level: number
  axis: 0 | 1 | 2
  index: number
  /** [row0, col0, row1, col1] in this level's voxels, end exclusive. */
  box: [number, number, number, number]
  /** `label`: label ids as display codes (see labelCode), never windowed. */
  window: 'image' | 'probability' | 'label'
}

/**
 * A label id as one display byte: 0 stays 0 (no label), any other id becomes 1..255 (ids wrap past 255).
 * The viewer colours each code by a hash of it; ids 255 apart share a colour.
 */
export function labelCode(id: number): number {
  const v = Math.round(id)
  return v === 0 || !Number.isFinite(v) ? 0 : 1 + ((((Math.abs(v) - 1) % 255) + 255) % 255)
}

/** Levels read at a stride stop here: a tile of 256 display voxels reads at most 2048 x 2048 of level 0. */
const MAX_STRIDE = 8
const TILE_TARGET = 256
/** A tile of more voxels than this is refused: the viewer asks for chunk-sized ones. */
export const MAX_TILE_VOXELS = 2048 * 2048
/** The image window is taken from at most this many voxels of the coarsest level. */
const WINDOW_SAMPLE = 1 << 20

function tileOf(chunks: Shape3, shape: Shape3): Shape3 {
  return chunks.map((c, a) => {
    const t = c >= 128 && c <= 1024 ? c : c < 128 ? c * Math.ceil(TILE_TARGET / c) : 512
    return Math.max(1, Math.min(shape[a]!, t))
  }) as Shape3
}

/** The OME-Zarr multiscale group behind a spec, from the level it names down; null for any other volume. */
function multiscaleOf(spec: string): Multiscale | null {
  if (!existsSync(spec) && splitRegionSuffix(spec).box) return null
  const { path } = parseSpec(spec)
  // A missing path is openVolume's to name, with the formats it expected.
  return existsSync(path) ? findMultiscale(spec) : null
}

/**
 * A volume with its resolution levels: an OME-Zarr multiscale group gives its own levels (each level's
 * factor from its `scale` against level 0's, else from the shapes); any other volume gets level 0 read
 * at strides of 2, 4 and 8 in y and x, so a view can zoom out on any volume.
 */
export class LevelledVolume {
  private windowCache: [number, number] | null = null

  private constructor(
    readonly spec: string,
    readonly volumes: Volume[],
    readonly levels: VolumeLevel[],
  ) {}

  get base(): Volume {
    return this.volumes[0]!
  }

  static async open(spec: string): Promise<LevelledVolume> {
    const multiscale = multiscaleOf(spec)
    if (multiscale) {
      const volumes: Volume[] = []
      try {
        for (const l of multiscale.levels) volumes.push(await openVolume(l.spec))
      } catch (e) {
        for (const v of volumes) v.close()
        throw e
      }
      const first = multiscale.levels[0]!.scale
      const levels = volumes.map((v, i) => {
        const scale = multiscale.levels[i]!.scale
        const factor = [0, 1, 2].map((a) => Math.max(1, Math.round(scale[a]! / first[a]!))) as Shape3
        return { shape: v.shape, factor, tile: tileOf(v.chunks, v.shape), strided: false }
      })
      return new LevelledVolume(spec, volumes, levels)
    }
    return LevelledVolume.strided(spec, await openVolume(spec))
  }

  /** `base` alone, read at strides of 2, 4 and 8 in y and x (a volume of no pyramid, or one placed in another). */
  static strided(spec: string, base: Volume): LevelledVolume {
    const levels: VolumeLevel[] = [
      { shape: base.shape, factor: [1, 1, 1], tile: tileOf(base.chunks, base.shape), strided: false },
    ]
    for (
      let f = 2;
      f <= MAX_STRIDE && Math.max(base.shape[1], base.shape[2]) / f >= TILE_TARGET / 2;
      f *= 2
    ) {
      const shape: Shape3 = [base.shape[0], Math.ceil(base.shape[1] / f), Math.ceil(base.shape[2] / f)]
      levels.push({
        shape,
        factor: [1, f, f],
        tile: [levels[0]!.tile[0], TILE_TARGET, TILE_TARGET],
        strided: true,
      })
    }
    return new LevelledVolume(spec, [base], levels)
  }

  /** The image window (values shown as 0 and 255): percentiles of the middle of the coarsest stored level. */
  async window(): Promise<[number, number]> {
    if (this.windowCache) return this.windowCache
    // A strided level reads all of level 0 under it: there the middle of level 0 is sample enough.
    const last = this.levels.findLastIndex((l) => !l.strided)
    const level = this.levels[last]!
    const [nz, ny, nx] = level.shape
    const depth = Math.max(1, Math.min(nz, Math.floor(WINDOW_SAMPLE / (ny * nx))))
    const rows = Math.min(ny, Math.floor(Math.sqrt(WINDOW_SAMPLE / depth)))
    const cols = Math.min(nx, Math.floor(WINDOW_SAMPLE / depth / rows))
    const z0 = Math.floor((nz - depth) / 2)
    const y0 = Math.floor((ny - rows) / 2)
    const x0 = Math.floor((nx - cols) / 2)
    const values: number[] = []
    for (let z = z0; z < z0 + depth; z++) {
      const { values: v } = await this.readPlane(last, 0, z, [y0, x0, y0 + rows, x0 + cols])
      for (let i = 0; i < v.length; i++) values.push(v[i]!)
    }
    this.windowCache = displayWindow(Float64Array.from(values), 'image', this.base.dtype)
    return this.windowCache
  }

  /** One tile as display values 0..255 (rows x cols, C order). */
  async tile(request: TileRequest): Promise<{ dims: [number, number]; voxels: Uint8Array }> {
    const { level, axis, index, box } = request
    const info = this.levels[level]
    if (!info) throw new InputError(`${this.spec}: no level ${level} (levels 0 to ${this.levels.length - 1})`)
    if (index < 0 || index >= info.shape[axis])
      throw new InputError(
        `${this.spec}: slice ${index} along axis ${'zyx'[axis]} is outside level ${level} (shape ${info.shape.join(' x ')})`,
      )
    const [ra, ca] = ([0, 1, 2] as const).filter((a) => a !== axis) as [0 | 1 | 2, 0 | 1 | 2]
    const [r0, c0, r1, c1] = box
    if (r0 < 0 || c0 < 0 || r1 <= r0 || c1 <= c0 || r1 > info.shape[ra] || c1 > info.shape[ca])
      throw new InputError(
        `${this.spec}: tile [${box.join(',')}] is outside level ${level} (shape ${info.shape.join(' x ')})`,
      )
    if ((r1 - r0) * (c1 - c0) > MAX_TILE_VOXELS)
      throw new InputError(
        `${this.spec}: a tile of ${r1 - r0} x ${c1 - c0} voxels is too large; ask for chunk-sized tiles`,
      )
    const { values } = await this.readPlane(level, axis, index, box)
    if (request.window === 'label')
      return { dims: [r1 - r0, c1 - c0], voxels: Uint8Array.from(values as ArrayLike<number>, labelCode) }
    const [low, high] =
      request.window === 'image'
        ? await this.window()
        : this.base.dtype.startsWith('float')
          ? [0, 1]
          : [0, 255]
    const voxels = new Uint8Array(values.length)
    const scale = 255 / (high - low)
    for (let i = 0; i < values.length; i++) {
      const g = (values[i]! - low) * scale
      voxels[i] = g < 0 ? 0 : g > 255 ? 255 : Math.round(g)
    }
    return { dims: [r1 - r0, c1 - c0], voxels }
  }

  /** Raw values of one plane's box at a level; a strided level reads level 0 and keeps every f-th voxel. */
  private async readPlane(
    level: number,
    axis: 0 | 1 | 2,
    index: number,
    [r0, c0, r1, c1]: [number, number, number, number],
  ): Promise<{ values: ArrayLike<number> }> {
    const info = this.levels[level]!
    const volume = info.strided ? this.base : this.volumes[level]!
    const f = info.strided ? info.factor : ([1, 1, 1] as Shape3)
    const [ra, ca] = [0, 1, 2].filter((a) => a !== axis) as [number, number]
    const lo: Shape3 = [0, 0, 0]
    const hi: Shape3 = [0, 0, 0]
    lo[axis] = index * f[axis]
    hi[axis] = lo[axis] + 1
    lo[ra] = r0 * f[ra]!
    hi[ra] = Math.min(volume.shape[ra]!, (r1 - 1) * f[ra]! + 1)
    lo[ca] = c0 * f[ca]!
    hi[ca] = Math.min(volume.shape[ca]!, (c1 - 1) * f[ca]! + 1)
    const data = toNumberArrayView(
      await volume.readRegion({ z0: lo[0], z1: hi[0], y0: lo[1], y1: hi[1], x0: lo[2], x1: hi[2] }),
    )
    if (f[ra] === 1 && f[ca] === 1) return { values: data }
    const cols = hi[ca] - lo[ca]
    const out = new Float64Array((r1 - r0) * (c1 - c0))
    let o = 0
    for (let r = 0; r < r1 - r0; r++)
      for (let c = 0; c < c1 - c0; c++) out[o++] = data[r * f[ra]! * cols + c * f[ca]!]!
    return { values: out }
  }

  close(): void {
    for (const v of this.volumes) v.close()
  }
}
