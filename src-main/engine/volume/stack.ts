import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { decode as decodePng } from 'fast-png'
import UTIF from 'utif2'
import { InputError, messageOf } from '../errors.ts'
import { checkRegion } from './checks.ts'
import { prepareOutput, type DType, type TypedArray } from './dtype.ts'
import { regionSize, type ArrayInfo, type Region, type Shape3, type Volume } from './types.ts'

/**
 * Image stacks, the other way EM reaches a lab: a folder of 2D PNG or TIFF slices (sorted by the number
 * in their names) or one multi-page TIFF. Slices are decoded only when a read touches them.
 */
const SLICE_FILE = /\.(png|tiff?)$/i
export const isTiffFile = (path: string): boolean => /\.tiff?$/i.test(path)

export function listSliceFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => SLICE_FILE.test(f) && !f.startsWith('.'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((f) => join(dir, f))
}

interface Plane {
  width: number
  height: number
  dtype: DType
  data: Uint8Array | Uint16Array
}

/** 1, 2 and 4-bit PNG rows are packed, most significant bit first, each row starting on a byte. */
function unpackBits(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height)
  const rowBytes = Math.ceil((width * depth) / 8)
  const mask = (1 << depth) - 1
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth
      out[y * width + x] = (packed[y * rowBytes + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask
    }
  }
  return out
}

function firstChannel<T extends Uint8Array | Uint16Array>(data: T, channels: number): T {
  if (channels === 1) return data
  const out = new (data.constructor as new (n: number) => T)(data.length / channels)
  for (let i = 0; i < out.length; i++) out[i] = data[i * channels]!
  return out
}

function decodePngPlane(file: string): Plane {
  const png = decodePng(readFileSync(file))
  // Palette images keep their indices: label PNGs store class ids there, not colours.
  let data: Uint8Array | Uint16Array
  if (png.depth < 8) data = unpackBits(png.data as Uint8Array, png.width, png.height, png.depth)
  else data = firstChannel(png.data as Uint8Array | Uint16Array, png.palette ? 1 : png.channels)
  return { width: png.width, height: png.height, dtype: png.depth === 16 ? 'uint16' : 'uint8', data }
}

interface TiffPage {
  t256?: number[]
  t257?: number[]
  t258?: number[]
  t277?: number[]
  data?: Uint8Array
  width?: number
  height?: number
}

function decodeTiffPage(file: string, buffer: Buffer, page: TiffPage): Plane {
  UTIF.decodeImage(buffer, page as never)
  const width = page.width ?? page.t256?.[0] ?? 0
  const height = page.height ?? page.t257?.[0] ?? 0
  const bits = page.t258?.[0] ?? 8
  const samples = page.t277?.[0] ?? 1
  const raw = page.data!
  if (bits === 8)
    return {
      width,
      height,
      dtype: 'uint8',
      data: firstChannel(raw.subarray(0, width * height * samples), samples),
    }
  if (bits === 16) {
    const little = buffer[0] === 0x49 // "II"
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
    const data = new Uint16Array(width * height * samples)
    for (let i = 0; i < data.length; i++) data[i] = view.getUint16(i * 2, little)
    return { width, height, dtype: 'uint16', data: firstChannel(data, samples) }
  }
  throw new InputError(`${file}: ${bits}-bit TIFF samples are not supported, expected 8 or 16-bit greyscale`)
}

/** One slice file: a PNG, or the first page of a TIFF. */
function decodeSliceFile(file: string): Plane {
  if (!isTiffFile(file)) return decodePngPlane(file)
  const buffer = readFileSync(file)
  return decodeTiffPage(file, buffer, UTIF.decode(buffer)[0] as TiffPage)
}

abstract class StackVolume implements Volume {
  readonly dataset = ''
  readonly chunked = true
  readonly attributes: Record<string, unknown> = {}
  readonly chunks: Shape3
  private cache: { z: number; plane: Plane } | null = null

  constructor(
    readonly format: 'stack' | 'tiff',
    readonly path: string,
    readonly shape: Shape3,
    readonly dtype: DType,
  ) {
    this.chunks = [1, shape[1], shape[2]]
  }

  get spec(): string {
    return this.path
  }

  protected abstract decode(z: number): Plane

  protected abstract describe(z: number): string

  private plane(z: number): Plane {
    if (this.cache?.z === z) return this.cache.plane
    let plane: Plane
    try {
      plane = this.decode(z)
    } catch (e) {
      throw e instanceof InputError
        ? e
        : new InputError(`${this.describe(z)}: cannot decode (${messageOf(e)})`)
    }
    if (plane.width !== this.shape[2] || plane.height !== this.shape[1] || plane.dtype !== this.dtype) {
      throw new InputError(
        `${this.describe(z)}: slice is ${plane.width}x${plane.height} ${plane.dtype}, expected ${this.shape[2]}x${this.shape[1]} ${this.dtype} like the first slice`,
      )
    }
    this.cache = { z, plane }
    return plane
  }

  async readRegion(r: Region, out?: TypedArray): Promise<TypedArray> {
    checkRegion(this.spec, this.shape, r)
    const target = prepareOutput(this.spec, this.dtype, regionSize(r), out)
    const nx = r.x1 - r.x0
    let o = 0
    for (let z = r.z0; z < r.z1; z++) {
      const { data } = this.plane(z)
      for (let y = r.y0; y < r.y1; y++, o += nx) {
        const row = y * this.shape[2]
        target.set(data.subarray(row + r.x0, row + r.x1) as never, o)
      }
    }
    return target
  }

  info(): ArrayInfo {
    return {
      name: '',
      shape: [...this.shape],
      dtype: this.dtype,
      chunks: [...this.chunks],
      compression: null,
    }
  }

  close(): void {
    this.cache = null
  }
}

class FolderStack extends StackVolume {
  constructor(
    path: string,
    private readonly files: string[],
    first: Plane,
  ) {
    super('stack', path, [files.length, first.height, first.width], first.dtype)
  }

  protected decode(z: number): Plane {
    return decodeSliceFile(this.files[z]!)
  }

  protected describe(z: number): string {
    return this.files[z]!
  }
}

class MultiPageTiff extends StackVolume {
  constructor(
    path: string,
    private readonly buffer: Buffer,
    private readonly pages: TiffPage[],
    first: Plane,
  ) {
    super('tiff', path, [pages.length, first.height, first.width], first.dtype)
  }

  protected decode(z: number): Plane {
    return decodeTiffPage(this.path, this.buffer, this.pages[z]!)
  }

  protected describe(z: number): string {
    return `${this.path} page ${z}`
  }
}

export function openStack(path: string): StackVolume {
  if (statSync(path).isDirectory()) {
    const files = listSliceFiles(path)
    if (files.length === 0) throw new InputError(`${path}: no PNG or TIFF slices in the folder`)
    let first: Plane
    try {
      first = decodeSliceFile(files[0]!)
    } catch (e) {
      throw e instanceof InputError ? e : new InputError(`${files[0]}: cannot decode (${messageOf(e)})`)
    }
    return new FolderStack(path, files, first)
  }
  // A multi-page TIFF is read whole once (these are modest files); its pages decode on demand.
  const buffer = readFileSync(path)
  let pages: TiffPage[]
  try {
    pages = UTIF.decode(buffer) as TiffPage[]
  } catch (e) {
    throw new InputError(`${path}: not a readable TIFF (${messageOf(e)})`)
  }
  if (pages.length === 0) throw new InputError(`${path}: TIFF without pages`)
  return new MultiPageTiff(path, buffer, pages, decodeTiffPage(path, buffer, pages[0]!))
}
