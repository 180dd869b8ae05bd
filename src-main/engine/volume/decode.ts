import { gunzipSync, inflateSync } from 'node:zlib'

/** The byte codecs whose decoding is heavy enough to run on the decode workers. */
export type ByteCodec = 'blosc' | 'zstd' | 'gzip' | 'zlib'

interface NumcodecsCodec {
  decode(bytes: Uint8Array): Promise<Uint8Array>
}
type NumcodecsConstructor = { fromConfig(config: unknown): NumcodecsCodec }

const loaded = new Map<string, Promise<NumcodecsCodec>>()

/** One numcodecs instance per codec and configuration, its wasm module loaded once per thread. */
function numcodecs(codec: 'blosc' | 'zstd', config: Record<string, unknown>): Promise<NumcodecsCodec> {
  const key = `${codec}:${JSON.stringify(config)}`
  let got = loaded.get(key)
  if (!got) {
    const module = codec === 'blosc' ? import('numcodecs/blosc') : import('numcodecs/zstd')
    got = module.then((m) => (m.default as unknown as NumcodecsConstructor).fromConfig(config))
    loaded.set(key, got)
  }
  return got
}

/**
 * Decodes one chunk's bytes; the same code runs on the main thread (small chunks) and on the
 * decode workers, so both refuse the same damaged bytes with the same words.
 */
export async function decodeBytes(
  codec: ByteCodec,
  config: Record<string, unknown>,
  bytes: Uint8Array,
): Promise<Uint8Array> {
  if (codec === 'gzip' || codec === 'zlib') {
    try {
      const out = codec === 'gzip' ? gunzipSync(bytes) : inflateSync(bytes)
      // zlib may hand back a view of a larger buffer, and codecs after this one read `.buffer`.
      return out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : new Uint8Array(out)
    } catch (e) {
      throw new Error(`${codec}: ${(e as Error).message}`, { cause: e })
    }
  }
  return (await numcodecs(codec, config)).decode(bytes)
}
