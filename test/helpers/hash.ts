import { createHash } from 'node:crypto'
import { fullRegion, openVolume, type TypedArray } from '../../src-main/engine/volume/index.ts'

export function sha256Of(data: TypedArray): string {
  return createHash('sha256')
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex')
}

/** Reads a whole (small) volume through the engine and hashes its little-endian C-order bytes. */
export async function hashVolume(spec: string): Promise<{ sha256: string; shape: number[]; dtype: string }> {
  const v = await openVolume(spec)
  try {
    return { sha256: sha256Of(await v.readRegion(fullRegion(v.shape))), shape: v.shape, dtype: v.dtype }
  } finally {
    v.close()
  }
}
