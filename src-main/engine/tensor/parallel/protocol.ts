/** What the main thread and a kernel thread share: one control word array and one data buffer per thread. */

/** Int32 slots of the control buffer. */
export const SEQ = 0 // bumped by the main thread for each request
export const DONE = 1 // set to the request's SEQ by the worker when its part is written
export const FAILED = 2 // 1 when the last request failed (the message follows on the port)
export const CONTROL_WORDS = 4
/** Byte offset of a float64 after the words: when the worker finished its part (ms, timeOrigin + now). */
export const FINISHED_AT_BYTE = CONTROL_WORDS * 4
export const CONTROL_BYTES = FINISHED_AT_BYTE + 8

/** A clock shared by all threads (each thread's performance.now() starts at its own timeOrigin). */
export function clock(): number {
  return performance.timeOrigin + performance.now()
}

export interface TensorSlot {
  name: string
  shape: number[]
  /** Float32 element offset into the data buffer. */
  offset: number
}

export interface Request {
  /** The SEQ value this request was posted under; the worker answers DONE with it. */
  seq: number
  kernel: string
  attrs: Record<string, unknown>
  inputs: TensorSlot[]
  /** Where the worker writes its output (float32 elements). */
  out: { offset: number; length: number }
  data: SharedArrayBuffer
}
