import { existsSync } from 'node:fs'
import { loadH5wasm } from '../volume/index.ts'

/** The two streams' features of one proposal set: row i belongs to ROI roi[i]. */
export interface SetFeatures {
  roi: Uint32Array
  /** [n, dm]: the mask VAE's mean vectors (Es). */
  mask: Float32Array
  maskDim: number
  /** [n, di]: the image VAE's mean vectors (Eu). */
  image: Float32Array
  imageDim: number
}

export async function writeFeatures(
  file: string,
  f: SetFeatures,
  attributes: Record<string, unknown>,
): Promise<void> {
  const h5 = await loadH5wasm()
  const n = f.roi.length
  const out = new h5.File(file, 'w')
  try {
    for (const [k, v] of Object.entries(attributes)) out.create_attribute(k, JSON.stringify(v))
    out.create_dataset({ name: 'roi', data: f.roi, shape: [n], dtype: '<I' })
    out.create_dataset({ name: 'mask', data: f.mask, shape: [n, f.maskDim], dtype: '<f' })
    out.create_dataset({ name: 'image', data: f.image, shape: [n, f.imageDim], dtype: '<f' })
  } finally {
    out.close()
  }
}

export async function readFeatures(file: string): Promise<SetFeatures> {
  if (!existsSync(file)) throw new Error(`${file}: no features; run 'activeem embed' first`)
  const h5 = await loadH5wasm()
  const f = new h5.File(file, 'r')
  try {
    const get = (name: string): { value: unknown; shape: number[] } => {
      const d = f.get(name) as unknown as { value: unknown; shape: number[] } | null
      if (!d) throw new Error(`${file}: no dataset '${name}'`)
      return d
    }
    const mask = get('mask')
    const image = get('image')
    return {
      roi: get('roi').value as Uint32Array,
      mask: mask.value as Float32Array,
      maskDim: mask.shape[1] ?? 0,
      image: image.value as Float32Array,
      imageDim: image.shape[1] ?? 0,
    }
  } finally {
    f.close()
  }
}
