import { InputError } from '../errors.ts'

/**
 * A file's metadata can claim any chunk or shape; what we allocate for one chunk, one region or the
 * HDF5 heap stays under this budget, so a lying file is refused with numbers instead of exhausting
 * memory. 512 MiB keeps a refused-or-read run under 1 GB even with the runtime's own ~150 MB.
 */
export const DEFAULT_MEMORY_BUDGET = 512 * 2 ** 20

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }

/** ACTIVEEM_MEMORY_BUDGET: bytes, or a number with K, M, G or T (binary units), e.g. 2G. */
export function memoryBudget(): number {
  const text = process.env.ACTIVEEM_MEMORY_BUDGET?.trim()
  if (!text) return DEFAULT_MEMORY_BUDGET
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(text)
  const bytes = m ? Number(m[1]) * UNITS[m[2]!.toLowerCase()]! : NaN
  if (!Number.isFinite(bytes) || bytes < 2 ** 20)
    throw new InputError(
      `ACTIVEEM_MEMORY_BUDGET: expected a size of at least 1M such as 512M or 4G, got '${text}'`,
    )
  return Math.floor(bytes)
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${bytes} bytes`
  for (const [unit, size] of [
    ['TiB', 2 ** 40],
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const)
    if (bytes >= size) return `${+(bytes / size).toPrecision(3)} ${unit}`
  return `${bytes} bytes`
}

/** Refuses `what` (e.g. "chunk 512 x 512 x 512 float64") when `bytes` would not fit the budget. */
export function requireWithinBudget(spec: string, what: string, bytes: number): void {
  const budget = memoryBudget()
  if (bytes <= budget) return
  throw new InputError(
    `${spec}: ${what} needs ${formatBytes(bytes)}, over the memory budget of ${formatBytes(budget)} ` +
      `(set ACTIVEEM_MEMORY_BUDGET to allow more)`,
  )
}
