import { loadH5wasm } from '../volume/index.ts'

/**
 * The aligned patches of one proposal set, in one HDF5 file (not one file per ROI): row i of every
 * dataset belongs to ROI roi[i].
 */
export interface PatchSet {
  size: number
  roi: Uint32Array
  /** [n, size, size]: uint8 when the raw volume is uint8, float32 otherwise. */
  image: Uint8Array | Float32Array
  /** [n, size, size]: 0 background, 1 object (mitochondria), +1 pre / -1 post (synapses). */
  mask: Int8Array
  /** [n, size, size], not rotated: what the query grid shows. */
  thumbImage: Uint8Array | Float32Array
  thumbMask: Int8Array
  /** Global z of the slice each patch was cut from. */
  slice: Int32Array
  /** Rotation applied, degrees (see align/align.ts). */
  angle: Float32Array
  flipped: Uint8Array
}

const DATASETS = ['roi', 'image', 'mask', 'thumb_image', 'thumb_mask', 'slice', 'angle', 'flipped'] as const

function dtypeOf(a: ArrayLike<number>): string {
  if (a instanceof Uint8Array) return '<B'
  if (a instanceof Int8Array) return '<b'
  if (a instanceof Uint32Array) return '<I'
  if (a instanceof Int32Array) return '<i'
  return '<f'
}

export async function writePatches(
  file: string,
  p: PatchSet,
  attributes: Record<string, unknown>,
): Promise<void> {
  const h5 = await loadH5wasm()
  const f = new h5.File(file, 'w')
  try {
    for (const [k, v] of Object.entries(attributes))
      f.create_attribute(k, typeof v === 'string' ? v : JSON.stringify(v))
    const n = p.roi.length
    const s = p.size
    const data: Record<(typeof DATASETS)[number], [ArrayLike<number>, number[]]> = {
      roi: [p.roi, [n]],
      image: [p.image, [n, s, s]],
      mask: [p.mask, [n, s, s]],
      thumb_image: [p.thumbImage, [n, s, s]],
      thumb_mask: [p.thumbMask, [n, s, s]],
      slice: [p.slice, [n]],
      angle: [p.angle, [n]],
      flipped: [p.flipped, [n]],
    }
    for (const name of DATASETS) {
      const [values, shape] = data[name]
      const chunked = shape.length === 3 && n > 0
      f.create_dataset({
        name,
        data: values as never,
        shape,
        dtype: dtypeOf(values),
        ...(chunked ? { chunks: [Math.min(n, 64), s, s], compression: 'gzip', compression_opts: 4 } : {}),
      })
    }
  } finally {
    f.close()
  }
}

export async function readPatches(file: string): Promise<PatchSet> {
  const h5 = await loadH5wasm()
  const f = new h5.File(file, 'r')
  try {
    const get = <T>(name: string): T => {
      const d = f.get(name)
      if (!d || !('value' in d)) throw new Error(`${file}: no dataset '${name}'`)
      return (d as unknown as { value: T }).value
    }
    const image = get<Uint8Array | Float32Array>('image')
    const shape = (f.get('image') as unknown as { shape: number[] }).shape
    return {
      size: shape[1] ?? 0,
      roi: get<Uint32Array>('roi'),
      image,
      mask: get<Int8Array>('mask'),
      thumbImage: get<Uint8Array | Float32Array>('thumb_image'),
      thumbMask: get<Int8Array>('thumb_mask'),
      slice: get<Int32Array>('slice'),
      angle: get<Float32Array>('angle'),
      flipped: get<Uint8Array>('flipped'),
    }
  } finally {
    f.close()
  }
}
