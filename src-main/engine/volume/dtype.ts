import { InputError } from '../errors.ts'

export const DTYPES = [
  'uint8',
  'int8',
  'uint16',
  'int16',
  'uint32',
  'int32',
  'uint64',
  'int64',
  'float32',
  'float64',
] as const
export type DType = (typeof DTYPES)[number]

/** NumPy's type strings (little-endian), as .npy headers and Zarr v2 metadata name a dtype. */
export const NUMPY_DTYPES: Record<DType, string> = {
  uint8: '|u1',
  int8: '|i1',
  uint16: '<u2',
  int16: '<i2',
  uint32: '<u4',
  int32: '<i4',
  uint64: '<u8',
  int64: '<i8',
  float32: '<f4',
  float64: '<f8',
}

export type TypedArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array

type Ctor = { new (n: number): TypedArray; BYTES_PER_ELEMENT: number }

const CTORS: Record<DType, Ctor> = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  uint64: BigUint64Array,
  int64: BigInt64Array,
  float32: Float32Array,
  float64: Float64Array,
}

export function isDType(s: string): s is DType {
  return (DTYPES as readonly string[]).includes(s)
}

export function bytesPerElement(dtype: DType): number {
  return CTORS[dtype].BYTES_PER_ELEMENT
}

export function allocate(dtype: DType, n: number): TypedArray {
  return new CTORS[dtype](n)
}

export function isIntegerDType(dtype: DType): boolean {
  return !dtype.startsWith('float')
}

/** Element i as a JS number; 64-bit integers above 2^53 lose precision, which stats and display accept. */
export function toNumberArrayView(a: TypedArray): ArrayLike<number> {
  if (a instanceof BigUint64Array || a instanceof BigInt64Array) {
    const out = new Float64Array(a.length)
    for (let i = 0; i < a.length; i++) out[i] = Number(a[i])
    return out
  }
  return a
}

export function dtypeOfArray(a: TypedArray): DType {
  for (const d of DTYPES) if (a instanceof CTORS[d]) return d
  throw new InputError('unsupported typed array')
}

/** A typed view (no copy) of `length` elements at byte `offset` of `buffer`. */
export function viewOf(dtype: DType, buffer: ArrayBufferLike, offset: number, length: number): TypedArray {
  const C = CTORS[dtype] as unknown as new (b: ArrayBufferLike, o: number, n: number) => TypedArray
  return new C(buffer, offset, length)
}

/** The caller's buffer when it fits the read, else a fresh one. */
export function prepareOutput(spec: string, dtype: DType, size: number, out?: TypedArray): TypedArray {
  if (!out) return allocate(dtype, size)
  if (out.length !== size || !(out instanceof CTORS[dtype])) {
    throw new Error(
      `${spec}: output buffer of ${out.length} ${dtypeOfArray(out)} for a read of ${size} ${dtype}`,
    )
  }
  return out
}
