import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, test } from 'node:test'
import { gzipSync } from 'node:zlib'
import { InputError } from '../../../src-main/engine/errors.ts'
import { crc32c } from '../../../src-main/engine/volume/crc32c.ts'
import { computeStats, listArrays, openVolume, fullRegion } from '../../../src-main/engine/volume/index.ts'
import { scopedTempDir } from '../../helpers/peers.ts'

const tmp = scopedTempDir('zarr-checks')

interface V3 {
  shape: number[]
  chunks: number[]
  dtype: string
  codecs?: unknown[]
  fill?: number
}

/** A Zarr v3 array written byte by byte, so a test can make it lie in exactly one way. */
function writeV3(dir: string, meta: V3, files: Record<string, Uint8Array>): string {
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'zarr.json'),
    JSON.stringify({
      zarr_format: 3,
      node_type: 'array',
      shape: meta.shape,
      data_type: meta.dtype,
      chunk_grid: { name: 'regular', configuration: { chunk_shape: meta.chunks } },
      chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
      codecs: meta.codecs ?? [{ name: 'bytes', configuration: { endian: 'little' } }],
      fill_value: meta.fill ?? 0,
    }),
  )
  for (const [key, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, key)), { recursive: true })
    writeFileSync(join(dir, key), bytes)
  }
  return dir
}

/** A 4 x 4 x 4 uint8 array stored as one shard of `inner` chunks, uncompressed. */
function sharded(inner: number[]): V3 {
  const bytes = [{ name: 'bytes', configuration: { endian: 'little' } }]
  return {
    shape: [4, 4, 4],
    chunks: [4, 4, 4],
    dtype: 'uint8',
    codecs: [
      { name: 'sharding_indexed', configuration: { chunk_shape: inner, codecs: bytes, index_codecs: bytes } },
    ],
  }
}

const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength)
const ramp = (n: number): Uint16Array => Uint16Array.from({ length: n }, (_, i) => i)

async function refused(spec: string, parts: string[]): Promise<void> {
  await assert.rejects(
    async () => {
      const v = await openVolume(spec)
      try {
        await computeStats(v)
      } finally {
        v.close()
      }
    },
    (e: unknown) => {
      assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`)
      for (const p of parts) assert.ok(e.message.includes(p), `'${e.message}' should mention '${p}'`)
      return true
    },
  )
}

describe('Zarr reads check what they decode', () => {
  test('a chunk shorter than its shape is an error naming its key, not zeros', async () => {
    const dir = writeV3(
      join(tmp.dir, 'short.zarr'),
      { shape: [2, 4, 4], chunks: [2, 4, 4], dtype: 'uint16' },
      { 'c/0/0/0': bytesOf(ramp(32)).subarray(0, 40) },
    )
    await refused(dir, ['chunk c/0/0/0', 'decodes to 20 values, expected 32'])
  })

  test('metadata whose dtype does not match the bytes is refused (float64 over uint16 data)', async () => {
    const dir = writeV3(
      join(tmp.dir, 'dtype-lie.zarr'),
      { shape: [2, 4, 4], chunks: [2, 4, 4], dtype: 'float64' },
      { 'c/0/0/0': bytesOf(ramp(32)) },
    )
    await refused(dir, ['chunk c/0/0/0', 'expected 32'])
  })

  test('a gzip chunk under metadata that names no compressor is refused, and the reverse', async () => {
    const gz = writeV3(
      join(tmp.dir, 'codec-lie.zarr'),
      { shape: [2, 4, 4], chunks: [2, 4, 4], dtype: 'uint16' },
      { 'c/0/0/0': gzipSync(bytesOf(ramp(32))) },
    )
    await refused(gz, ['chunk c/0/0/0'])
    const raw = writeV3(
      join(tmp.dir, 'codec-lie2.zarr'),
      {
        shape: [2, 4, 4],
        chunks: [2, 4, 4],
        dtype: 'uint16',
        codecs: [
          { name: 'bytes', configuration: { endian: 'little' } },
          { name: 'gzip', configuration: { level: 1 } },
        ],
      },
      { 'c/0/0/0': bytesOf(ramp(32)) },
    )
    await refused(raw, ['chunk c/0/0/0', 'cannot decode'])
  })

  test('crc32c is checked: a flipped byte is an error, an intact chunk reads', async () => {
    const body = bytesOf(ramp(32))
    const sum = Buffer.alloc(4)
    sum.writeUInt32LE(crc32c(body))
    const codecs = [{ name: 'bytes', configuration: { endian: 'little' } }, { name: 'crc32c' }]
    const good = writeV3(
      join(tmp.dir, 'crc-good.zarr'),
      { shape: [2, 4, 4], chunks: [2, 4, 4], dtype: 'uint16', codecs },
      { 'c/0/0/0': Buffer.concat([body, sum]) },
    )
    const v = await openVolume(good)
    assert.deepEqual(
      Array.from((await v.readRegion(fullRegion(v.shape))) as Uint16Array),
      Array.from(ramp(32)),
    )
    const flipped = Buffer.concat([body, sum])
    flipped[7]! ^= 0x10
    const bad = writeV3(
      join(tmp.dir, 'crc-bad.zarr'),
      { shape: [2, 4, 4], chunks: [2, 4, 4], dtype: 'uint16', codecs },
      { 'c/0/0/0': flipped },
    )
    await refused(bad, ['chunk c/0/0/0', 'crc32c checksum mismatch'])
    // The check itself, on the standard test vector.
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283)
  })

  test('a shape given as text names the field, and listing the group still works', async () => {
    const root = join(tmp.dir, 'odd-shape.zarr')
    mkdirSync(root)
    writeFileSync(join(root, 'zarr.json'), JSON.stringify({ zarr_format: 3, node_type: 'group' }))
    const dir = writeV3(join(root, 'a'), { shape: [2, 4, 4], chunks: [2, 4, 4], dtype: 'uint8' }, {})
    const json = JSON.parse((await import('node:fs')).readFileSync(join(dir, 'zarr.json'), 'utf8'))
    writeFileSync(join(dir, 'zarr.json'), JSON.stringify({ ...json, shape: '2,4,4' }))
    writeV3(join(root, 'b'), { shape: [2, 4, 4], chunks: [2, 4, 4], dtype: 'uint8' }, {})
    const listing = await listArrays(root)
    assert.deepEqual(
      listing.arrays.map((a) => [a.name, a.shape]),
      [
        ['a', []],
        ['b', [2, 4, 4]],
      ],
    )
    await refused(`${root}#a`, [`${root}#a`, 'expected a 3D array'])
  })

  test('chunks that do not tile a shard, and a codec chain without a bytes codec, are refused by field', async () => {
    const shard = writeV3(join(tmp.dir, 'bad-shard.zarr'), sharded([3, 4, 4]), {})
    await refused(shard, ['sharding_indexed chunk_shape [3,4,4] must divide the shard shape [4,4,4]'])
    const chain = writeV3(
      join(tmp.dir, 'no-bytes.zarr'),
      { shape: [4, 4, 4], chunks: [4, 4, 4], dtype: 'uint8', codecs: [{ name: 'gzip' }] },
      {},
    )
    await refused(chain, ["field 'codecs' must hold exactly one array-to-bytes codec"])
  })

  test('a shard index pointing past the end of its file is an error, not zero padding', async () => {
    const inner = bytesOf(Uint8Array.from({ length: 32 }, (_, i) => i + 1))
    const index = new BigUint64Array([0n, 32n, 40n, 32n]) // the second chunk claims bytes 40..72 of 64
    const dir = writeV3(join(tmp.dir, 'short-shard.zarr'), sharded([2, 4, 4]), {
      'c/0/0/0': Buffer.concat([inner, bytesOf(index)]),
    })
    await refused(dir, ['chunk c/0/0/0', 'past the file'])
  })

  test('missing chunks are the fill value; stats over 10^12 claimed voxels read only the stored chunk', async () => {
    const dir = writeV3(
      join(tmp.dir, 'sparse.zarr'),
      { shape: [10000, 10000, 10000], chunks: [2, 4, 4], dtype: 'uint16', fill: 7 },
      { 'c/0/0/0': bytesOf(ramp(32)), 'c/4000/2/9': bytesOf(ramp(32)) },
    )
    const v = await openVolume(dir)
    const region = await v.readRegion({ z0: 0, z1: 2, y0: 0, y1: 4, x0: 2, x1: 6 })
    assert.deepEqual(Array.from((region as Uint16Array).subarray(0, 4)), [2, 3, 7, 7])
    const stats = await computeStats(v)
    assert.equal(stats.min, 0)
    assert.equal(stats.max, 31)
    const total = 1e12
    const expected = (2 * ((31 * 32) / 2) + 7 * (total - 64)) / total
    assert.ok(Math.abs(stats.mean - expected) < 1e-9, `${stats.mean} vs ${expected}`)
    v.close()
  })

  test('a chunk larger than the memory budget is refused with its numbers', async () => {
    const dir = writeV3(
      join(tmp.dir, 'huge-chunk.zarr'),
      { shape: [4096, 4096, 4096], chunks: [2048, 2048, 2048], dtype: 'float64' },
      {},
    )
    await refused(dir, [
      'one chunk of 2048 x 2048 x 2048 float64',
      '64 GiB',
      'memory budget of 512 MiB',
      'ACTIVEEM_MEMORY_BUDGET',
    ])
  })

  test('an array folder with a non-UTF-8 name is listed escaped and opens by that name', async () => {
    const root = join(tmp.dir, 'names.zarr')
    mkdirSync(root)
    writeFileSync(join(root, '.zgroup'), JSON.stringify({ zarr_format: 2 }))
    writeV3(
      join(root, 'good'),
      { shape: [2, 4, 4], chunks: [2, 4, 4], dtype: 'uint16' },
      { 'c/0/0/0': bytesOf(ramp(32)) },
    )
    const odd = Buffer.concat([Buffer.from(root), Buffer.from('/bad'), Buffer.from([0xff, 0xfe])])
    mkdirSync(odd)
    writeFileSync(
      Buffer.concat([odd, Buffer.from('/zarr.json')]),
      (await import('node:fs')).readFileSync(join(root, 'good', 'zarr.json')),
    )
    mkdirSync(Buffer.concat([odd, Buffer.from('/c/0/0')]), { recursive: true })
    writeFileSync(Buffer.concat([odd, Buffer.from('/c/0/0/0')]), bytesOf(ramp(32)))
    const listing = await listArrays(root)
    assert.deepEqual(
      listing.arrays.map((a) => a.name),
      ['bad\\xff\\xfe', 'good'],
    )
    const v = await openVolume(`${root}#bad\\xff\\xfe`)
    assert.deepEqual(
      Array.from((await v.readRegion(fullRegion(v.shape))) as Uint16Array),
      Array.from(ramp(32)),
    )
    v.close()
  })
})
