import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { NUMPY_DTYPES, type DType, type TypedArray } from './dtype.ts'

/** The .npy v1.0 preamble and header of a C-ordered array. */
function npyHeader(dtype: DType, shape: readonly number[]): Buffer {
  let header = `{'descr': '${NUMPY_DTYPES[dtype]}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`
  const unpadded = 10 + header.length + 1
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n'
  const prefix = Buffer.alloc(10)
  prefix.write('\x93NUMPY', 0, 'latin1')
  prefix[6] = 1
  prefix[7] = 0
  prefix.writeUInt16LE(header.length, 8)
  return Buffer.concat([prefix, Buffer.from(header, 'latin1')])
}

/** NumPy .npy v1.0, written to a temporary name and renamed so a reader never sees half a file. */
export function writeNpy(file: string, dtype: DType, shape: readonly number[], data: TypedArray): void {
  const tmp = `${file}.partial`
  const fd = openSync(tmp, 'w')
  try {
    writeSync(fd, npyHeader(dtype, shape))
    writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
  } catch (e) {
    closeSync(fd)
    rmSync(tmp, { force: true })
    throw e
  }
  closeSync(fd)
  renameSync(tmp, file)
}

/**
 * The same file from consecutive runs of the flat data (z-slabs of a C-ordered volume), so memory is
 * one slab whatever the array's size. A slab that fails, or data of the wrong length, leaves no file.
 */
export async function writeNpySlabs(
  file: string,
  dtype: DType,
  shape: readonly number[],
  slabs: AsyncIterable<TypedArray>,
): Promise<void> {
  const tmp = `${file}.partial`
  const fd = openSync(tmp, 'w')
  try {
    writeSync(fd, npyHeader(dtype, shape))
    let written = 0
    for await (const slab of slabs) {
      writeSync(fd, new Uint8Array(slab.buffer, slab.byteOffset, slab.byteLength))
      written += slab.length
    }
    const expected = shape.reduce((a, b) => a * b, 1)
    if (written !== expected) throw new Error(`npy: ${written} values written, the shape holds ${expected}`)
  } catch (e) {
    closeSync(fd)
    rmSync(tmp, { force: true })
    throw e
  }
  closeSync(fd)
  renameSync(tmp, file)
}
