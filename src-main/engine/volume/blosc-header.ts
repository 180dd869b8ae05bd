/**
 * Blosc's 16-byte header records the compressed size (bytes 12..15). A chunk cut short still
 * decompresses to the size the header promises, part of it whatever followed in memory: zarr-python
 * refuses such a chunk, so we check the size before decoding.
 */
export function checkBloscHeader(bytes: Uint8Array): void {
  if (bytes.length < 16) throw new Error(`blosc: ${bytes.length} bytes, shorter than blosc's 16-byte header`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16)
  const compressed = view.getUint32(12, true)
  if (compressed !== bytes.length)
    throw new Error(`blosc: the chunk holds ${bytes.length} bytes, its header says ${compressed}`)
}

/**
 * A chunk blosc stored uncompressed (its "memcpyed" flag: nothing was gained by compressing) is its
 * 16-byte header and then the values: c-blosc only copies them out, and so do we, without a trip
 * through wasm. True only when the header says so and its sizes match the file's `size` exactly;
 * anything else the library decodes (and the header check refuses).
 */
export function bloscStoredAsIs(head: Uint8Array, size: number): boolean {
  if (head.length < 16) return false
  const view = new DataView(head.buffer, head.byteOffset, 16)
  const [version, flags] = [head[0]!, head[2]!]
  if (version > 2 || (flags & 0x02) === 0) return false
  return view.getUint32(4, true) + 16 === size && view.getUint32(12, true) === size
}

export function bloscStored(bytes: Uint8Array): Uint8Array | null {
  return bloscStoredAsIs(bytes, bytes.length) ? bytes.subarray(16) : null
}
