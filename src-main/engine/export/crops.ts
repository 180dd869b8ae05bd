import { join, resolve } from 'node:path'
import * as zarr from 'zarrita'
import FileSystemStore from '@zarrita/storage/fs'
import type { PatchSet } from '../proposals/index.ts'
import { loadH5wasm } from '../volume/index.ts'
import type { ExportFormat } from './sink.ts'

const NAMES = ['roi', 'image', 'mask', 'thumb_image', 'thumb_mask', 'slice', 'angle', 'flipped'] as const
type Name = (typeof NAMES)[number]

/** The crops of an export back as a patch set (what the proposal set's patches.h5 holds). */
export async function readCrops(file: string, format: ExportFormat): Promise<PatchSet> {
  const arrays = {} as Record<Name, unknown>
  let size = 0
  if (format === 'hdf5') {
    const h5 = await loadH5wasm()
    const f = new h5.File(file, 'r')
    try {
      for (const name of NAMES) {
        const d = f.get(`crops/${name}`) as unknown as { value: unknown; shape: number[] } | null
        if (!d) throw new Error(`${file}: no dataset crops/${name}`)
        arrays[name] = d.value
        if (name === 'image') size = d.shape[1] ?? 0
      }
    } finally {
      f.close()
    }
  } else {
    const store = new FileSystemStore(resolve(file))
    for (const name of NAMES) {
      const arr = await zarr.open.v2(zarr.root(store).resolve(join('crops', name)), { kind: 'array' })
      arrays[name] = (await zarr.get(arr)).data
      if (name === 'image') size = arr.shape[1] ?? 0
    }
  }
  return {
    size,
    roi: arrays.roi as Uint32Array,
    image: arrays.image as Uint8Array | Float32Array,
    mask: arrays.mask as Int8Array,
    thumbImage: arrays.thumb_image as Uint8Array | Float32Array,
    thumbMask: arrays.thumb_mask as Int8Array,
    slice: arrays.slice as Int32Array,
    angle: arrays.angle as Float32Array,
    flipped: arrays.flipped as Uint8Array,
  }
}
