import { InputError } from '../errors.ts'
import { allocate, bytesPerElement, type DType } from './dtype.ts'
import { storedChunks } from './hdf5-chunk-index.ts'
import { readDatasetHeader, type Layout } from './hdf5-layout.ts'
import { openRawHdf5 } from './hdf5-raw.ts'
import type { Shape3, SparseCells } from './types.ts'

export interface StorageFacts {
  spec: string
  path: string
  /** The object header's address, as an HDF5 object reference holds it. */
  headerAddress: number
  shape: number[]
  maxShape: number[]
  dtype: DType
  elementSize: number
  littleEndian: boolean
  filtered: boolean
  lead: number
}

/**
 * What libhdf5 does not check or tell, read from the dataset's own header: that the chunk layout
 * agrees with the datatype (a datatype that lies about its size decodes every chunk to garbage,
 * and libhdf5 reads it without a word), and which chunks are allocated, so statistics skip the
 * rest as the fill value. Returns the sparse view where the chunk index is one we walk.
 */
export function checkStorage(facts: StorageFacts): SparseCells | undefined {
  const raw = openRawHdf5(facts.path, facts.spec)
  let layout: Layout | null
  let fill: Buffer | null
  try {
    ;({ layout, fill } = readDatasetHeader(raw, facts.headerAddress, facts.spec))
  } catch (e) {
    raw.close()
    // libhdf5 has just opened this header; where we cannot follow it we check nothing and read all.
    if (e instanceof InputError) return undefined
    throw e
  }
  if (layout?.kind !== 'chunked') {
    raw.close()
    return undefined
  }
  if (layout.elementSize !== facts.elementSize) {
    raw.close()
    throw new InputError(
      `${facts.spec}: damaged dataset: its datatype says ${facts.elementSize}-byte elements, its chunk layout ${layout.elementSize}-byte ones`,
    )
  }
  const fillValue = fill === null ? 0 : decodeScalar(fill, facts.dtype, facts.littleEndian)
  const { chunk, index } = layout
  if (fillValue === null || !['btree1', 'single', 'fixed-array'].includes(index.type)) {
    raw.close()
    return undefined
  }
  const expectedBytes = chunk.reduce((a, b) => a * b, 1) * layout.elementSize
  const cells = (): Shape3[] => {
    const raw = openRawHdf5(facts.path, facts.spec)
    try {
      const chunks = storedChunks({ raw, spec: facts.spec, chunk, maxShape: facts.maxShape }, index) ?? []
      const out: Shape3[] = []
      for (const c of chunks) {
        if (!facts.filtered && c.storedSize !== null && c.storedSize !== expectedBytes)
          throw new InputError(
            `${facts.spec}: chunk at [${c.cell.map((v, d) => v * chunk[d]!).join(', ')}] holds ${c.storedSize} bytes, expected ${expectedBytes}`,
          )
        // A chunk past the dataset's extent (shrunk, or a shape that lies) holds nothing to count.
        if (c.cell.some((v, d) => v * chunk[d]! >= facts.shape[d]!)) continue
        out.push(c.cell.slice(facts.lead) as Shape3)
      }
      return out
    } finally {
      raw.close()
    }
  }
  raw.close()
  return { fill: fillValue, cells }
}

/** One stored value of `dtype` as a number; null where the bytes cannot be one. */
function decodeScalar(bytes: Buffer, dtype: DType, littleEndian: boolean): number | null {
  const size = bytesPerElement(dtype)
  if (bytes.length !== size) return null
  const ordered = Buffer.from(littleEndian ? bytes : Buffer.from(bytes).reverse())
  const view = allocate(dtype, 1)
  new Uint8Array(view.buffer, view.byteOffset, size).set(ordered)
  return Number(view[0])
}
