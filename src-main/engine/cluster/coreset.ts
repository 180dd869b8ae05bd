/**
 * k-center greedy core-set selection (Sener & Savarese, "Active Learning for Convolutional Neural
 * Networks: A Core-Set Approach", 2018): each pick is the point farthest from everything labelled
 * or picked so far, which greedily shrinks the largest distance from any point to the chosen set.
 */
import { InputError } from '../errors.ts'
import { createRng } from '../random.ts'
import { centredRows, checkShape } from './points.ts'
import { withShards } from './shards.ts'
import type { NearestReply } from './worker-shard.ts'

/**
 * `budget` point indices in the order picked. With nothing labelled the first pick is a seeded
 * random point. Ties go to the lower index.
 */
export async function kCenterGreedy(
  points: Float32Array,
  n: number,
  d: number,
  budget: number,
  alreadyLabeled: Int32Array | number[],
  seed = 0,
): Promise<Int32Array> {
  checkShape('core-set', points, n, d)
  const labeled = [...new Set(alreadyLabeled)].sort((a, b) => a - b)
  for (const i of labeled) {
    if (!Number.isInteger(i) || i < 0 || i >= n)
      throw new InputError(`core-set: labelled index ${i} is not a point (0 to ${n - 1})`)
  }
  if (!Number.isInteger(budget) || budget < 0)
    throw new InputError(`core-set: budget must be a whole number >= 0, got ${budget}`)
  if (budget > n - labeled.length)
    throw new InputError(
      `core-set: budget ${budget} exceeds the ${n - labeled.length} unlabelled points (${n} points, ${labeled.length} labelled)`,
    )
  if (budget === 0) return new Int32Array(0)
  return withShards('core-set', points, n, d, async (shards, { mean }) => {
    const rows = (indices: number[]): Float32Array => centredRows(points, mean, indices)
    const picks: number[] = []
    const labeledRows = rows(labeled)
    let replies = await shards.all<'nearReset'>((part) => ({
      op: 'nearReset',
      points: labeledRows,
      m: labeled.length,
      exclude: Int32Array.from(
        labeled.filter((i) => i >= part.start && i < part.start + part.rows),
        (i) => i - part.start,
      ),
      withNear: false,
    }))
    const add = async (pick: number): Promise<NearestReply[]> => {
      picks.push(pick)
      const at = shards.locate(pick)
      const point = rows([pick])
      return shards.all<'nearAdd'>((_, s) => ({
        op: 'nearAdd',
        points: point,
        m: 1,
        pick: s === at.shard ? at.local : -1,
        withNear: false,
      }))
    }
    if (labeled.length === 0) replies = await add(createRng(seed).int(0, n))
    while (picks.length < budget) {
      let best = -1
      let max = -Infinity
      // Shards in order and strict '>': the lowest index wins a tie.
      replies.forEach((r, s) => {
        if (r.argmax >= 0 && r.max > max) {
          max = r.max
          best = shards.parts[s]!.start + r.argmax
        }
      })
      replies = await add(best)
    }
    return Int32Array.from(picks)
  })
}
