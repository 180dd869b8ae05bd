/**
 * CRC-32C (Castagnoli), as Zarr v3's crc32c codec appends to each chunk. zarrita strips those four
 * bytes without checking them; we check, so a flipped bit in an uncompressed chunk is an error and
 * not a wrong voxel.
 */
const TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** A drop-in for zarrita's crc32c codec that verifies before stripping. */
export class CheckedCrc32cCodec {
  readonly kind = 'bytes_to_bytes'

  static fromConfig(): CheckedCrc32cCodec {
    return new CheckedCrc32cCodec()
  }

  encode(bytes: Uint8Array): Uint8Array {
    const out = new Uint8Array(bytes.length + 4)
    out.set(bytes)
    new DataView(out.buffer).setUint32(bytes.length, crc32c(bytes), true)
    return out
  }

  decode(bytes: Uint8Array): Uint8Array {
    if (bytes.length < 4) throw new Error(`crc32c: ${bytes.length} bytes, too short for a checksum`)
    const body = bytes.subarray(0, bytes.length - 4)
    const stored = new DataView(bytes.buffer, bytes.byteOffset + body.length, 4).getUint32(0, true)
    const actual = crc32c(body)
    if (stored !== actual)
      throw new Error(
        `crc32c checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)})`,
      )
    return body
  }

  computeEncodedSize(size: number): number {
    return size + 4
  }
}
