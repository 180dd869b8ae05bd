import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../errors.ts'
import type { Roi } from '../proposals/index.ts'
import type { RoiKind } from '../synth/index.ts'

/**
 * A synthetic set's ground truth, in its folder: `{ format, ...parameters, gt, ids, correct, kinds }`,
 * one entry per ROI in the columns ids (ROI id), correct (1 / 0) and kinds (what it was drawn as:
 * correct, fragment, merge, dense-body, vesicle-cloud, membrane, noise). `gt` is the same truth as a
 * mask volume (PATH#DS) for `simulate --gt`.
 */
export const TRUTH_FILE = 'truth.json'
const FORMAT = 'activeem-synth-truth/1'

export interface SetTruth {
  ids: number[]
  correct: number[]
  kinds: RoiKind[]
}

export function writeTruth(
  file: string,
  params: Record<string, unknown>,
  g: { kinds: readonly RoiKind[]; correct: Uint8Array },
): void {
  const truth = {
    format: FORMAT,
    ...params,
    ids: g.kinds.map((_, i) => i + 1),
    correct: [...g.correct],
    kinds: g.kinds,
  }
  writeFileSync(file, JSON.stringify(truth))
}

export function readTruth(file: string): SetTruth {
  const t = JSON.parse(readFileSync(file, 'utf8')) as Partial<SetTruth> & { format?: string }
  if (
    t.format !== FORMAT ||
    !Array.isArray(t.ids) ||
    !Array.isArray(t.correct) ||
    t.ids.length !== t.correct.length
  )
    throw new InputError(`${file}: not a synthetic set's truth (${FORMAT})`)
  return { ids: t.ids, correct: t.correct, kinds: t.kinds ?? [] }
}

/** Whether a set's folder holds its own truth. */
export function hasSetTruth(setDir: string): boolean {
  return existsSync(join(setDir, TRUTH_FILE))
}

/** The set's own truth per ROI, in the order given: 1 correct, 0 wrong (as oracleLabels answers). */
export function setTruthLabels(setDir: string, rois: readonly Roi[]): Uint8Array {
  const file = join(setDir, TRUTH_FILE)
  if (!existsSync(file)) throw new InputError(`${setDir}: the set has no ${TRUTH_FILE}; pass --gt PATH#DS`)
  const t = readTruth(file)
  const byId = new Map(t.ids.map((id, k) => [id, t.correct[k]!]))
  return Uint8Array.from(rois, (r) => {
    const c = byId.get(r.id)
    if (c === undefined) throw new InputError(`${file}: no truth for ROI ${r.id}`)
    return c ? 1 : 0
  })
}
