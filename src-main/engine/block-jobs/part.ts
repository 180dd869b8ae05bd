import { InputError } from '../errors.ts'

/** One block of a split run: `--block i/n`, i counted from 0 as Slurm's SLURM_ARRAY_TASK_ID is. */
export interface BlockPart {
  index: number
  count: number
}

/** Most parts a run splits into: far more than any cluster's array size limit (Slurm's default: 1001). */
export const MAX_PARTS = 100_000

export function parseBlockPart(flag: string, text: string): BlockPart {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim())
  const index = m ? Number(m[1]) : NaN
  const count = m ? Number(m[2]) : NaN
  if (!m || !(count >= 1 && count <= MAX_PARTS) || !(index < count))
    throw new InputError(
      `${flag}: expected i/n with 0 <= i < n <= ${MAX_PARTS} (block i of n, counted from 0), got '${text}'`,
    )
  return { index, count }
}

export function formatPart(part: BlockPart): string {
  return `${part.index}/${part.count}`
}

/**
 * The items of block `part.index`: a contiguous run of the ordered list, sizes differing by at most one,
 * so neighbouring chunks stay in one process (fewer halo reads) and every item belongs to exactly one
 * block. A block past the end of a short list is empty, which is not an error: it just writes its marker.
 */
export function partOf<T>(items: readonly T[], part: BlockPart): T[] {
  const start = Math.floor((items.length * part.index) / part.count)
  const end = Math.floor((items.length * (part.index + 1)) / part.count)
  return items.slice(start, end)
}
