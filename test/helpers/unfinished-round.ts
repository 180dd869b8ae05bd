import { join } from 'node:path'
import Database from 'better-sqlite3'
import { buildBigRound } from '../../src-main/cli/bench/big-round.ts'
import { writeFeatures } from '../../src-main/engine/embed/index.ts'
import { defaultAnnotator, setLabel } from '../../src-main/engine/labels/index.ts'
import { Project } from '../../src-main/engine/store/index.ts'

export interface UnfinishedRound {
  dir: string
  setId: number
  roundId: number
  /** The 16 ROIs round 1 asks, the first 8 labelled 'correct' by this machine's default annotator. */
  rois: number[]
}

/**
 * A project whose round 1 is 8 of 16 labelled: 32 ROIs in 4 clusters with (synthetic) features, so
 * Suggest can make round 2 at once.
 */
export async function unfinishedRoundProject(dir: string): Promise<UnfinishedRound> {
  const big = await buildBigRound(dir, { n: 32, clusters: 4, asked: 16, seed: 5 })
  const project = Project.open(big.dir)
  try {
    const n = 32
    await writeFeatures(
      join(big.dir, 'proposals', `set-${big.setId}`, 'features.h5'),
      {
        roi: Uint32Array.from({ length: n }, (_, i) => i + 1),
        mask: Float32Array.from({ length: n * 4 }, (_, i) => Math.sin(i)),
        maskDim: 4,
        image: Float32Array.from({ length: n * 4 }, (_, i) => Math.cos(i)),
        imageDim: 4,
      },
      { synthetic: true },
    )
    const me = defaultAnnotator()
    for (const roi of big.rois.slice(0, 8)) setLabel(project, big.setId, roi, 'correct', me, big.roundId)
  } finally {
    project.close()
  }
  return { dir: big.dir, setId: big.setId, roundId: big.roundId, rois: big.rois }
}

/** Rows of the project database, read by a second connection. */
export function query<T>(dir: string, sql: string, ...args: unknown[]): T[] {
  const db = new Database(join(dir, 'activeem.sqlite'), { readonly: true })
  try {
    return db.prepare(sql).all(...args) as T[]
  } finally {
    db.close()
  }
}

export const roundRows = (dir: string): Array<{ id: number; number: number }> =>
  query(dir, 'SELECT id, number FROM rounds ORDER BY number')
export const jobCount = (dir: string): number =>
  query<{ n: number }>(dir, 'SELECT COUNT(*) AS n FROM jobs')[0]!.n
