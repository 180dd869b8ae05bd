/**
 * An error caused by what the user gave us (a path, a dataset, a flag), as opposed to a bug.
 * The CLI turns it into exit code 2 and one `error: ...` line; the API into a typed error reply.
 */
export class InputError extends Error {
  override readonly name = 'InputError'
}

export function isInputError(e: unknown): e is InputError {
  return e instanceof InputError
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
