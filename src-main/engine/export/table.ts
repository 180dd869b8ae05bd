import { currentLabels, majorityLabels, type LabelValue } from '../labels/index.ts'
import { roiPlace, roisOf, type Roi, type RoiPlace } from '../proposals/index.ts'
import type { Project } from '../store/index.ts'

export type Verdict = 'correct' | 'incorrect'

/** One ROI as the export's table holds it (CSV columns and JSON keys alike). */
export interface RoiTableRow extends RoiPlace {
  probability: number
  max_probability: number
  /** The ROI's cluster in the set's latest round; null without a round. */
  cluster: number | null
  /** Majority of the annotators' labels; null when nobody labelled the ROI. */
  majority: LabelValue | null
  agreement: number | null
  votes: number
  propagated: Verdict
  final: Verdict
}

export const TABLE_COLUMNS = [
  'id',
  'z0',
  'y0',
  'x0',
  'z1',
  'y1',
  'x1',
  'cz',
  'cy',
  'cx',
  'voxels',
  'probability',
  'max_probability',
  'cluster',
  'majority',
  'agreement',
  'votes',
  'propagated',
  'final',
] as const satisfies ReadonlyArray<keyof RoiTableRow>

/** The rule, in words, as the manifest and the README state it. */
export const LABEL_RULE = {
  majority:
    "Per ROI, the majority of the annotators' current correct/incorrect labels; unsure is no vote; a tie, or only unsure labels, gives 'unsure'. Agreement is the share of votes that agree with the majority.",
  propagated:
    "Per cluster of the latest round, the majority of its ROIs' definite (correct/incorrect) majorities, one vote per ROI; a tie or a cluster without such ROIs gives 'correct' (the detection stands), as label propagation does. Without a round every ROI is its own cluster.",
  final:
    "The ROI's own majority when it is correct or incorrect; otherwise (not labelled, tie, only unsure) the propagated label.",
  volume:
    "labels/corrected is the proposal set's instance labels with every ROI whose final label is 'incorrect' set to 0; every other ROI keeps its id.",
}

export interface RoiTable {
  rows: RoiTableRow[]
  /** The set's ROIs as stored (polarity and alignment included), same order as rows. */
  rois: Roi[]
  round: { id: number; number: number } | null
}

/** The latest round of the set, if any. */
export function latestRound(project: Project, setId: number): { id: number; number: number } | null {
  const r = project.db
    .prepare('SELECT id, number FROM rounds WHERE set_id = ? ORDER BY number DESC LIMIT 1')
    .get(setId) as { id: number; number: number } | undefined
  return r ?? null
}

export function roiTable(project: Project, setId: number): RoiTable {
  const rois = roisOf(project, setId)
  const round = latestRound(project, setId)
  const clusters = new Map<number, number>()
  if (round) {
    const rows = project.db
      .prepare('SELECT roi_id, cluster FROM roi_clusters WHERE round_id = ?')
      .all(round.id) as Array<{ roi_id: number; cluster: number }>
    for (const r of rows) clusters.set(r.roi_id, r.cluster)
  }
  const majority = majorityLabels(currentLabels(project, setId))
  const definite = (id: number): Verdict | null => {
    const v = majority.get(id)?.value
    return v === 'correct' || v === 'incorrect' ? v : null
  }
  // An ROI outside every cluster (no round, or a round that left it out) is a cluster of its own.
  const clusterKey = (id: number): string => (clusters.has(id) ? `c${clusters.get(id)}` : `r${id}`)
  const tally = new Map<string, number>()
  for (const r of rois) {
    const v = definite(r.id)
    if (v === null) continue
    const key = clusterKey(r.id)
    tally.set(key, (tally.get(key) ?? 0) + (v === 'correct' ? 1 : -1))
  }
  const rows = rois.map((r): RoiTableRow => {
    const m = majority.get(r.id)
    const propagated: Verdict = (tally.get(clusterKey(r.id)) ?? 0) >= 0 ? 'correct' : 'incorrect'
    return {
      ...roiPlace(r),
      probability: r.mean,
      max_probability: r.max,
      cluster: clusters.get(r.id) ?? null,
      majority: m?.value ?? null,
      agreement: m ? m.agreement : null,
      votes: m?.votes ?? 0,
      propagated,
      final: definite(r.id) ?? propagated,
    }
  })
  return { rows, rois, round }
}

/** Numbers at full precision, so the CSV re-reads to the same values; empty cells for none. */
export function tableCsv(rows: readonly RoiTableRow[]): string {
  const lines = [TABLE_COLUMNS.join(',')]
  for (const r of rows) lines.push(TABLE_COLUMNS.map((c) => (r[c] === null ? '' : String(r[c]))).join(','))
  return `${lines.join('\n')}\n`
}
