import { loadH5wasm, type DType, type TypedArray } from '../volume/index.ts'
import type { ArrayOut, ArraySpec, DataSink } from './sink.ts'

type H5 = Awaited<ReturnType<typeof loadH5wasm>>
type H5File = InstanceType<H5['File']>

const H5_DTYPES: Record<DType, string> = {
  uint8: '<B',
  int8: '<b',
  uint16: '<H',
  int16: '<h',
  uint32: '<I',
  int32: '<i',
  uint64: '<Q',
  int64: '<q',
  float32: '<f',
  float64: '<d',
}

const EMPTY: Record<DType, () => TypedArray> = {
  uint8: () => new Uint8Array(0),
  int8: () => new Int8Array(0),
  uint16: () => new Uint16Array(0),
  int16: () => new Int16Array(0),
  uint32: () => new Uint32Array(0),
  int32: () => new Int32Array(0),
  uint64: () => new BigUint64Array(0),
  int64: () => new BigInt64Array(0),
  float32: () => new Float32Array(0),
  float64: () => new Float64Array(0),
}

/** Numbers and lists of numbers stay numeric (h5py reads `resolution` as floats); the rest as JSON text. */
function attributeValue(v: unknown): string | number | number[] {
  if (typeof v === 'string' || typeof v === 'number') return v
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number')) return v as number[]
  return JSON.stringify(v)
}

/** One HDF5 file through h5wasm: chunked, gzip-compressed datasets filled box by box. */
export class Hdf5Sink implements DataSink {
  readonly format = 'hdf5' as const

  private constructor(private readonly file: H5File) {}

  static async create(path: string): Promise<Hdf5Sink> {
    const h5 = await loadH5wasm()
    return new Hdf5Sink(new h5.File(path, 'w'))
  }

  group(path: string, attributes: Record<string, unknown> = {}): void {
    const g = this.ensureGroup(path)
    for (const [k, v] of Object.entries(attributes)) g.create_attribute(k, attributeValue(v))
  }

  array(path: string, spec: ArraySpec): ArrayOut {
    const parts = path.split('/').filter(Boolean)
    const parent = this.ensureGroup(parts.slice(0, -1).join('/'))
    // Created empty along the first axis and grown to its shape: h5wasm would otherwise want the
    // whole array's data at creation, and the point is never to hold a whole volume.
    const dataset = parent.create_dataset({
      name: parts.at(-1)!,
      data: EMPTY[spec.dtype]() as never,
      shape: [0, ...spec.shape.slice(1)],
      maxshape: spec.shape.map((s) => (s > 0 ? s : null)),
      chunks: spec.chunks,
      dtype: H5_DTYPES[spec.dtype],
      compression: 'gzip',
      compression_opts: 4,
    })
    if (spec.shape[0]! > 0) dataset.resize(spec.shape)
    for (const [k, v] of Object.entries(spec.attributes ?? {})) dataset.create_attribute(k, attributeValue(v))
    return {
      writeBox: (start, shape, data) => {
        if (shape.some((s) => s === 0)) return
        dataset.write_slice(
          start.map((s, d) => [s, s + shape[d]!]),
          data,
        )
      },
    }
  }

  close(): void {
    this.file.close()
  }

  private ensureGroup(path: string): H5File {
    let g = this.file
    for (const name of path.split('/').filter(Boolean)) {
      const found = g.get(name)
      g = (found ?? g.create_group(name)) as H5File
    }
    return g
  }
}
