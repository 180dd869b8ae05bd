import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { NUMPY_DTYPES, type DType, type TypedArray } from './dtype.ts'

/** NumPy .npy v1.0, written to a temporary name and renamed so a reader never sees half a file. */
export function writeNpy(file: string, dtype: DType, shape: readonly number[], data: TypedArray): void {
  let header = `{'descr': '${NUMPY_DTYPES[dtype]}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`
  const unpadded = 10 + header.length + 1
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n'
  const prefix = Buffer.alloc(10)
  prefix.write('\x93NUMPY', 0, 'latin1')
  prefix[6] = 1
  prefix[7] = 0
  prefix.writeUInt16LE(header.length, 8)
  const tmp = `${file}.partial`
  const fd = openSync(tmp, 'w')
  try {
    writeSync(fd, prefix)
    writeSync(fd, Buffer.from(header, 'latin1'))
    writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    closeSync(fd)
    renameSync(tmp, file)
  } catch (e) {
    closeSync(fd)
    rmSync(tmp, { force: true })
    throw e
  }
}
