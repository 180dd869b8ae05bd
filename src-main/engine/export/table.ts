import type { RoiTableRow } from '../review/index.ts'

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
  'first_stream',
  'majority',
  'agreement',
  'votes',
  'propagated',
  'final',
  'source',
] as const satisfies ReadonlyArray<keyof RoiTableRow>

/** What the corrected label volume is, as its dataset and the manifest say. */
export const VOLUME_RULE =
  "labels/corrected is the proposal set's instance labels with every ROI whose final label is 'incorrect' set to 0; every other ROI keeps its id."

/** Numbers at full precision, so the CSV re-reads to the same values; empty cells for none. */
export function tableCsv(rows: readonly RoiTableRow[]): string {
  const lines = [TABLE_COLUMNS.join(',')]
  for (const r of rows) lines.push(TABLE_COLUMNS.map((c) => (r[c] === null ? '' : String(r[c]))).join(','))
  return `${lines.join('\n')}\n`
}
