import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { bytesPerElement, NUMPY_DTYPES, type DType, type TypedArray } from './dtype.ts'
import type { Box } from './boxes.ts'
import { regionShape, regionSize, type Region } from './types.ts'

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

/**
 * `write` fills a temporary file that is renamed to `file` once it has returned (or its promise
 * resolved): a reader never sees half a file, and a failure leaves nothing behind.
 */
function atomically<T>(file: string, write: (fd: number) => T): T {
  const tmp = `${file}.partial`
  const fd = openSync(tmp, 'w')
  const fail = (e: unknown): never => {
    closeSync(fd)
    rmSync(tmp, { force: true })
    throw e
  }
  const done = (): void => {
    closeSync(fd)
    renameSync(tmp, file)
  }
  let result: T
  try {
    result = write(fd)
  } catch (e) {
    return fail(e)
  }
  if (result instanceof Promise) return result.then(done, fail) as T
  done()
  return result
}

/** NumPy .npy v1.0 of one array in memory. */
export function writeNpy(file: string, dtype: DType, shape: readonly number[], data: TypedArray): void {
  atomically(file, (fd) => {
    writeSync(fd, npyHeader(dtype, shape))
    writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
  })
}

/**
 * The same file, written box by box (see readBoxes): each box's rows land at their own offsets, so
 * memory is one box whatever the array's size. Boxes that fail, or leave part of the region
 * unwritten, leave no file.
 */
export async function writeNpyBoxes(
  file: string,
  dtype: DType,
  region: Region,
  boxes: AsyncIterable<Box>,
): Promise<void> {
  await atomically(file, async (fd) => {
    const header = npyHeader(dtype, regionShape(region))
    writeSync(fd, header)
    const item = bytesPerElement(dtype)
    const [sy, sx] = [region.y1 - region.y0, region.x1 - region.x0]
    let written = 0
    for await (const { region: b, data } of boxes) {
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      const width = (b.x1 - b.x0) * item
      // Rows of a box are contiguous in the file only when the box spans the region's full width
      // and height; otherwise one write per row.
      const whole = b.x0 === region.x0 && b.x1 === region.x1 && b.y0 === region.y0 && b.y1 === region.y1
      const at = (z: number, y: number): number =>
        header.length + (((z - region.z0) * sy + (y - region.y0)) * sx + (b.x0 - region.x0)) * item
      if (whole) writeSync(fd, bytes, 0, bytes.length, at(b.z0, b.y0))
      else
        for (let z = b.z0, row = 0; z < b.z1; z++)
          for (let y = b.y0; y < b.y1; y++, row++) writeSync(fd, bytes, row * width, width, at(z, y))
      written += data.length
    }
    if (written !== regionSize(region))
      throw new Error(`npy: ${written} values written, the region holds ${regionSize(region)}`)
  })
}
