import { InputError, messageOf } from '../errors.ts'
import { printedBy } from './quiet.ts'
import type { Volume } from './types.ts'

/**
 * The one place where a failure while reading a user's file becomes an InputError (exit 2, one
 * `error:` line naming the file): whatever a reader library throws on bytes it did not expect
 * (a RangeError from a lying length, a TypeError from odd metadata) is about the file, not a bug
 * the user could report usefully.
 */
export function asReadError(spec: string, doing: string, e: unknown): InputError {
  if (e instanceof InputError) return e
  const message = messageOf(e).split('\n')[0] || printedBy(e).split('\n')[0] || 'unknown failure'
  return new InputError(`${spec}: ${doing} (${message})`)
}

export async function guarded<T>(spec: string, doing: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (e) {
    throw asReadError(spec, doing, e)
  }
}

/** The volume, with its reads funnelled through asReadError. */
export function guardVolume(volume: Volume): Volume {
  const read = volume.readRegion.bind(volume)
  volume.readRegion = (region, out) => guarded(volume.spec, 'cannot read region', () => read(region, out))
  return volume
}
