import { createHash } from 'node:crypto'
import { openVolume } from '../../src-main/engine/volume/index.ts'

/** sha256 of a volume's little-endian C-order bytes, read z-slab by z-slab (bounded memory). */
export async function streamHash(spec: string): Promise<{ shape: number[]; dtype: string; sha256: string }> {
  const v = await openVolume(spec)
  try {
    const h = createHash('sha256')
    const step = v.chunks[0]
    for (let z = 0; z < v.shape[0]; z += step) {
      const data = await v.readRegion({
        z0: z,
        z1: Math.min(v.shape[0], z + step),
        y0: 0,
        y1: v.shape[1],
        x0: 0,
        x1: v.shape[2],
      })
      h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    }
    return { shape: v.shape, dtype: v.dtype, sha256: h.digest('hex') }
  } finally {
    v.close()
  }
}
