/**
 * libhdf5 and the emscripten runtime print to stderr themselves (HDF5-DIAG stacks, "Aborted(...)",
 * UTF-8 warnings). The CLI promises one `error:` line, so synchronous calls into them run with
 * stderr captured; what was printed rides on a thrown error as `printed`, for the message.
 */
export function quietly<T>(work: () => T): T {
  const stderr = process.stderr
  const write = stderr.write
  let printed = ''
  stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    printed += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined
    done?.()
    return true
  }) as typeof write
  try {
    return work()
  } catch (e) {
    if (printed && typeof e === 'object' && e !== null) (e as { printed?: string }).printed = printed
    throw e
  } finally {
    stderr.write = write
  }
}

export function printedBy(e: unknown): string {
  return (typeof e === 'object' && e !== null && (e as { printed?: string }).printed) || ''
}
