import { userInfo } from 'node:os'
import { InputError } from '../errors.ts'
import { hasRoi, proposalSet } from '../proposals/index.ts'
import type { Project } from '../store/index.ts'
import { roundSetOf } from '../suggest/index.ts'
import { pauseBeforeCommit } from './commit-pause.ts'

export type LabelValue = 'correct' | 'incorrect' | 'unsure'

export const LABEL_VALUES: readonly LabelValue[] = ['correct', 'incorrect', 'unsure']

const ANNOTATOR = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export function checkAnnotator(name: string): string {
  if (!ANNOTATOR.test(name))
    throw new InputError(
      `annotator '${name}': expected 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit`,
    )
  return name
}

/** The user's login name as an annotator name (characters outside the allowed set dropped). */
export function defaultAnnotator(): string {
  let name = ''
  try {
    name = userInfo().username
  } catch {
    // no user database entry (some containers): fall through to the generic name
  }
  name = name
    .replace(/[^A-Za-z0-9._-]/g, '')
    .replace(/^[._-]+/, '')
    .slice(0, 64)
  return name || 'annotator'
}

export interface LabelRow {
  id: number
  setId: number
  roi: number
  annotator: string
  /** null: no label (an undo back to before the first label). */
  value: LabelValue | null
  undoOf: number | null
  round: number | null
  at: string
}

interface Row {
  id: number
  set_id: number
  roi_id: number
  annotator: string
  value: LabelValue | null
  undo_of: number | null
  round_id: number | null
  at: string
}

function toRow(r: Row): LabelRow {
  return {
    id: r.id,
    setId: r.set_id,
    roi: r.roi_id,
    annotator: r.annotator,
    value: r.value,
    undoOf: r.undo_of,
    round: r.round_id,
    at: r.at,
  }
}

export function checkSet(project: Project, setId: number): void {
  if (!proposalSet(project, setId))
    throw new InputError(`proposal set ${setId}: no such set in ${project.dir}`)
}

function checkRoi(project: Project, setId: number, roi: number): void {
  if (hasRoi(project, setId, roi)) return
  const set = proposalSet(project, setId)
  if (!set) throw new InputError(`proposal set ${setId}: no such set in ${project.dir}`)
  throw new InputError(`ROI ${roi}: not in proposal set ${setId} (${set.count} ROIs)`)
}

/** A client's id for one label request: a retry with the same id gets the first reply back. */
const REQUEST_ID = /^[A-Za-z0-9_-]{8,64}$/

export interface LabelRequest {
  setId: number
  roi: number
  value: LabelValue
  annotator: string
  round?: number | undefined
  /** The client's id for this request: a retry with the same id gets the first row back. */
  requestId?: string | undefined
}

function checkLabel(project: Project, r: LabelRequest): void {
  checkAnnotator(r.annotator)
  if (!LABEL_VALUES.includes(r.value))
    throw new InputError(`label '${r.value}': expected one of ${LABEL_VALUES.join(', ')}`)
  if (r.requestId !== undefined && !REQUEST_ID.test(r.requestId))
    throw new InputError(`request id '${r.requestId}': expected 8-64 letters, digits, dashes or underscores`)
  checkRoi(project, r.setId, r.roi)
  if (r.round !== undefined && roundSetOf(project, r.round) !== r.setId)
    throw new InputError(`round ${r.round}: not a round of proposal set ${r.setId}`)
}

/** The row a request id already stands for, or null; the same id for another judgement is refused. */
function earlierRow(project: Project, r: LabelRequest): LabelRow | null {
  if (r.requestId === undefined) return null
  const row = project.db.prepare('SELECT * FROM labels WHERE request_id = ?').get(r.requestId) as
    Row | undefined
  if (!row) return null
  const same =
    row.set_id === r.setId && row.roi_id === r.roi && row.annotator === r.annotator && row.value === r.value
  if (!same) throw new InputError(`request id '${r.requestId}' was already used for another label`)
  return toRow(row)
}

function insertLabel(project: Project, r: LabelRequest): LabelRow {
  checkLabel(project, r)
  const found = earlierRow(project, r)
  if (found) return found
  const info = project.db
    .prepare(
      'INSERT INTO labels (set_id, roi_id, annotator, value, undo_of, round_id, at, request_id) VALUES (?, ?, ?, ?, NULL, ?, ?, ?)',
    )
    .run(r.setId, r.roi, r.annotator, r.value, r.round ?? null, new Date().toISOString(), r.requestId ?? null)
  return labelRow(project, Number(info.lastInsertRowid))
}

export type LabelResult = { row: LabelRow } | { error: unknown }

/**
 * Appends several judgements in one transaction: one commit, so one fsync at synchronous FULL, however
 * many labels. Each runs in a savepoint of its own, so a label that fails (an unknown ROI, a reused request
 * id) is rolled back alone and reported in its slot, and the others are committed when this returns. With
 * a `requestId` already stored (a client retrying a label whose acknowledgement it lost), nothing is
 * written and the stored row is returned. An error of the transaction itself (BEGIN or COMMIT on a locked
 * or full disk) throws, and then none of them is committed.
 */
export function setLabels(project: Project, requests: readonly LabelRequest[]): LabelResult[] {
  const db = project.db
  const savepoint = db.transaction((r: LabelRequest) => insertLabel(project, r))
  return db
    .transaction((): LabelResult[] => {
      const results = requests.map((r): LabelResult => {
        try {
          return { row: savepoint(r) }
        } catch (error) {
          // Some errors (disk full, I/O) make SQLite roll the whole transaction back: then nothing of
          // the batch can be committed, and the batch fails as one.
          if (!db.inTransaction) throw error
          return { error }
        }
      })
      pauseBeforeCommit()
      return results
    })
    .immediate()
}

/** One judgement, committed when this returns (see setLabels), so a caller may acknowledge it to the user. */
export function setLabel(
  project: Project,
  setId: number,
  roi: number,
  value: LabelValue,
  annotator: string,
  round?: number,
  requestId?: string,
): LabelRow {
  const [result] = setLabels(project, [{ setId, roi, value, annotator, round, requestId }])
  if (!result || 'error' in result) throw result?.error
  return result.row
}

/** A set's history restored under the ids it had (import), so undo links read the same; the caller holds the transaction. */
export function restoreLabels(project: Project, setId: number, history: readonly LabelRow[]): void {
  const insert = project.db.prepare(
    'INSERT INTO labels (id, set_id, roi_id, annotator, value, undo_of, round_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  )
  for (const h of history) insert.run(h.id, setId, h.roi, h.annotator, h.value, h.undoOf, h.round, h.at)
}

function labelRow(project: Project, id: number): LabelRow {
  return toRow(project.db.prepare('SELECT * FROM labels WHERE id = ?').get(id) as Row)
}

/**
 * Undoes this annotator's most recent judgement that is not undone yet, by appending a row that gives
 * the ROI back the value it had before (history is never deleted). Repeated undos walk further back.
 * Returns the new row, or null when there is nothing left to undo.
 */
export function undoLabel(project: Project, setId: number, annotator: string): LabelRow | null {
  checkAnnotator(annotator)
  checkSet(project, setId)
  const db = project.db
  return db
    .transaction((): LabelRow | null => {
      const rows = db
        .prepare('SELECT id, roi_id, undo_of FROM labels WHERE set_id = ? AND annotator = ? ORDER BY id DESC')
        .iterate(setId, annotator) as IterableIterator<{ id: number; roi_id: number; undo_of: number | null }>
      const undone = new Set<number>()
      let target: { id: number; roi_id: number } | null = null
      for (const r of rows) {
        if (r.undo_of !== null) undone.add(r.undo_of)
        else if (!undone.has(r.id)) {
          target = r
          break
        }
      }
      if (!target) return null
      const before = db
        .prepare(
          'SELECT value FROM labels WHERE set_id = ? AND roi_id = ? AND annotator = ? AND id < ? ORDER BY id DESC LIMIT 1',
        )
        .get(setId, target.roi_id, annotator, target.id) as { value: LabelValue | null } | undefined
      const info = db
        .prepare(
          'INSERT INTO labels (set_id, roi_id, annotator, value, undo_of, round_id, at) SELECT set_id, roi_id, annotator, ?, id, round_id, ? FROM labels WHERE id = ?',
        )
        .run(before?.value ?? null, new Date().toISOString(), target.id)
      return labelRow(project, Number(info.lastInsertRowid))
    })
    .immediate()
}

/** Every annotator's current label of every ROI of the set: annotator -> ROI -> value. */
export function currentLabels(project: Project, setId: number): Map<string, Map<number, LabelValue>> {
  const rows = project.db
    .prepare(
      `SELECT l.annotator, l.roi_id, l.value FROM labels l
       JOIN (SELECT MAX(id) AS id FROM labels WHERE set_id = ? GROUP BY roi_id, annotator) last ON last.id = l.id`,
    )
    .all(setId) as Array<{ annotator: string; roi_id: number; value: LabelValue | null }>
  const out = new Map<string, Map<number, LabelValue>>()
  for (const r of rows) {
    if (r.value === null) continue
    let mine = out.get(r.annotator)
    if (!mine) out.set(r.annotator, (mine = new Map()))
    mine.set(r.roi_id, r.value)
  }
  return out
}

export interface Majority {
  value: LabelValue
  /** Share of the correct/incorrect votes that agree with the majority (1 = unanimous). */
  agreement: number
  votes: number
}

/**
 * Per ROI, the majority of the annotators' correct/incorrect votes; unsure is not a vote. A tie gives
 * 'unsure' (someone must look again); ROIs with only unsure labels get 'unsure' with no votes.
 */
export function majorityLabels(labels: Map<string, Map<number, LabelValue>>): Map<number, Majority> {
  const tally = new Map<number, { correct: number; incorrect: number; unsure: number }>()
  for (const mine of labels.values())
    for (const [roi, value] of mine) {
      let t = tally.get(roi)
      if (!t) tally.set(roi, (t = { correct: 0, incorrect: 0, unsure: 0 }))
      t[value]++
    }
  const out = new Map<number, Majority>()
  for (const [roi, t] of tally) {
    const votes = t.correct + t.incorrect
    if (votes === 0) out.set(roi, { value: 'unsure', agreement: 0, votes })
    else if (t.correct === t.incorrect) out.set(roi, { value: 'unsure', agreement: 0.5, votes })
    else {
      const value = t.correct > t.incorrect ? 'correct' : 'incorrect'
      out.set(roi, { value, agreement: Math.max(t.correct, t.incorrect) / votes, votes })
    }
  }
  return out
}

/** The set's newest label row, or null when it has none: which labels a fine-tuned model learnt from. */
export function lastLabelId(project: Project, setId: number): number | null {
  const r = project.db.prepare('SELECT MAX(id) AS id FROM labels WHERE set_id = ?').get(setId) as {
    id: number | null
  }
  return r.id
}

/** The project's newest label row id (0: none): labels are only ever added, so a new one changes it. */
export function newestLabelRow(project: Project): number {
  const r = project.db.prepare('SELECT MAX(id) AS id FROM labels').get() as { id: number | null }
  return r.id ?? 0
}

/** How many rows one annotator wrote in a round, and how many of them say correct. */
export function roundLabelCounts(
  project: Project,
  roundId: number,
  annotator: string,
): { rows: number; correct: number } {
  const r = project.db
    .prepare(
      "SELECT COUNT(*) AS n, SUM(value = 'correct') AS c FROM labels WHERE annotator = ? AND round_id = ?",
    )
    .get(annotator, roundId) as { n: number; c: number | null }
  return { rows: r.n, correct: r.c ?? 0 }
}

/** The full history of the set, oldest first: the audit trail. */
export function labelHistory(project: Project, setId: number): LabelRow[] {
  return (project.db.prepare('SELECT * FROM labels WHERE set_id = ? ORDER BY id').all(setId) as Row[]).map(
    toRow,
  )
}

export interface RoiLabels {
  roi: number
  /** Each annotator's current label. */
  labels: Record<string, LabelValue>
  majority: LabelValue
  agreement: number
  votes: number
}

/** Every labelled ROI of the set with its labels per annotator and the majority: what `activeem labels` prints. */
export function labelSummary(
  project: Project,
  setId: number,
): { set: number; annotators: string[]; rois: RoiLabels[] } {
  checkSet(project, setId)
  const labels = currentLabels(project, setId)
  const majority = majorityLabels(labels)
  const rois = [...majority.keys()]
    .sort((a, b) => a - b)
    .map((roi) => {
      const byAnnotator: Record<string, LabelValue> = {}
      for (const [annotator, mine] of labels) {
        const value = mine.get(roi)
        if (value) byAnnotator[annotator] = value
      }
      const m = majority.get(roi)!
      return { roi, labels: byAnnotator, majority: m.value, agreement: m.agreement, votes: m.votes }
    })
  return { set: setId, annotators: [...labels.keys()].sort(), rois }
}
