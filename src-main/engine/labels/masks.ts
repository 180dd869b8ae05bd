/**
 * Annotators' corrections of an ROI's mask. The proposal set's instance volume says which voxels an
 * ROI holds; a correction is the whole mask over the ROI's box (uint8, z y x, 1 inside), stored as a new
 * version. Undo and redo add rows that name the version current after them (undo: the one the current
 * version replaced, redo: the newest version made from the current one), so nothing is deleted and the
 * rows are the audit trail. Fine-tuning and export read the instance volume through the current versions.
 */
import { deflateSync, inflateSync } from 'node:zlib'
import { InputError } from '../errors.ts'
import { hasRoi, roisOf } from '../proposals/index.ts'
import type { Project } from '../store/index.ts'
import type { Region, Volume } from '../volume/index.ts'
import { checkAnnotator } from './store.ts'

/** z0, y0, x0, z1, y1, x1 (ends exclusive), the ROI's box in the set's voxels. */
export type MaskBox = [number, number, number, number, number, number]

export interface RoiMask {
  roi: number
  box: MaskBox
  /** 1 inside the ROI, 0 outside; C order over the box. */
  mask: Uint8Array
}

export interface MaskState {
  roi: number
  /** The current version's row id; null: the proposal's own mask. */
  version: number | null
  /** Versions stored for the ROI (edit rows). */
  versions: number
  canUndo: boolean
  canRedo: boolean
}

interface Row {
  id: number
  action: 'edit' | 'undo' | 'redo'
  parent: number | null
  current: number | null
  box: string | null
  mask: Buffer | null
  annotator: string
  at: string
}

export interface MaskHistoryRow {
  id: number
  action: 'edit' | 'undo' | 'redo'
  /** The version current after this row (null: the proposal's own mask). */
  current: number | null
  annotator: string
  at: string
}

function rowsOf(project: Project, setId: number, roi: number): Row[] {
  return project.db
    .prepare(
      'SELECT id, action, parent, current, box, mask, annotator, at FROM roi_masks WHERE set_id = ? AND roi_id = ? ORDER BY id',
    )
    .all(setId, roi) as Row[]
}

function stateOf(roi: number, rows: readonly Row[]): MaskState {
  const current = rows.at(-1)?.current ?? null
  const edits = rows.filter((r) => r.action === 'edit')
  return {
    roi,
    version: current,
    versions: edits.length,
    canUndo: current !== null,
    canRedo: redoTarget(edits, current) !== null,
  }
}

/** The newest version made from `current`: what redo brings back. */
function redoTarget(edits: readonly Row[], current: number | null): number | null {
  return edits.findLast((r) => r.parent === current)?.id ?? null
}

function boxOf(project: Project, setId: number, roi: number): MaskBox {
  if (!hasRoi(project, setId, roi)) throw new InputError(`ROI ${roi}: not in proposal set ${setId}`)
  const r = roisOf(project, setId).find((x) => x.id === roi)!
  return [r.z0, r.y0, r.x0, r.z1, r.y1, r.x1]
}

function voxelsOf(box: MaskBox): number {
  return (box[3] - box[0]) * (box[4] - box[1]) * (box[5] - box[2])
}

/** The project's newest mask row id (0: none): edits, undos and redos are each a new row. */
export function newestMaskRow(project: Project): number {
  const r = project.db.prepare('SELECT MAX(id) AS id FROM roi_masks').get() as { id: number | null }
  return r.id ?? 0
}

export function maskState(project: Project, setId: number, roi: number): MaskState {
  boxOf(project, setId, roi)
  return stateOf(roi, rowsOf(project, setId, roi))
}

/** The ROI's current corrected mask, or null while it has none (the proposal's own mask stands). */
export function currentMask(project: Project, setId: number, roi: number): RoiMask | null {
  const rows = rowsOf(project, setId, roi)
  const current = rows.at(-1)?.current ?? null
  if (current === null) return null
  const edit = rows.find((r) => r.id === current)!
  return { roi, box: JSON.parse(edit.box!) as MaskBox, mask: new Uint8Array(inflateSync(edit.mask!)) }
}

/** Every ROI of the set with a corrected mask, as its current version. */
export function currentMasks(project: Project, setId: number): RoiMask[] {
  const rois = project.db
    .prepare('SELECT DISTINCT roi_id AS roi FROM roi_masks WHERE set_id = ? ORDER BY roi_id')
    .all(setId) as Array<{ roi: number }>
  return rois.flatMap(({ roi }) => {
    const m = currentMask(project, setId, roi)
    return m ? [m] : []
  })
}

export function maskHistory(project: Project, setId: number, roi: number): MaskHistoryRow[] {
  return rowsOf(project, setId, roi).map((r) => ({
    id: r.id,
    action: r.action,
    current: r.current,
    annotator: r.annotator,
    at: r.at,
  }))
}

function insert(
  project: Project,
  setId: number,
  roi: number,
  row: { action: Row['action']; parent: number | null; current: number | null; box?: MaskBox; mask?: Buffer },
  annotator: string,
): number {
  const info = project.db
    .prepare(
      'INSERT INTO roi_masks (set_id, roi_id, action, parent, current, box, mask, annotator, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .run(
      setId,
      roi,
      row.action,
      row.parent,
      row.current,
      row.box ? JSON.stringify(row.box) : null,
      row.mask ?? null,
      annotator,
      new Date().toISOString(),
    )
  return Number(info.lastInsertRowid)
}

/** Stores `mask` (0/1 over the ROI's box) as the ROI's new current version. */
export function saveMask(
  project: Project,
  setId: number,
  roi: number,
  mask: Uint8Array,
  annotator: string,
): MaskState {
  checkAnnotator(annotator)
  const box = boxOf(project, setId, roi)
  if (mask.length !== voxelsOf(box))
    throw new InputError(
      `ROI ${roi}: a mask of ${mask.length} voxels does not cover its box ${box.join(',')} (${voxelsOf(box)} voxels)`,
    )
  const clean = Uint8Array.from(mask, (v) => (v ? 1 : 0))
  return project.db.transaction(() => {
    const rows = rowsOf(project, setId, roi)
    const parent = rows.at(-1)?.current ?? null
    const id = insert(
      project,
      setId,
      roi,
      { action: 'edit', parent, current: null, box, mask: deflateSync(clean) },
      annotator,
    )
    project.db.prepare('UPDATE roi_masks SET current = ? WHERE id = ?').run(id, id)
    return stateOf(roi, rowsOf(project, setId, roi))
  })()
}

/** Undo (back to the version the current one replaced) or redo (the newest version made from the current one). */
export function stepMask(
  project: Project,
  setId: number,
  roi: number,
  action: 'undo' | 'redo',
  annotator: string,
): MaskState {
  checkAnnotator(annotator)
  boxOf(project, setId, roi)
  return project.db.transaction(() => {
    const rows = rowsOf(project, setId, roi)
    const current = rows.at(-1)?.current ?? null
    const edits = rows.filter((r) => r.action === 'edit')
    const target =
      action === 'undo'
        ? current === null
          ? undefined
          : edits.find((r) => r.id === current)!.parent
        : (redoTarget(edits, current) ?? undefined)
    if (target === undefined) throw new InputError(`ROI ${roi}: nothing to ${action}`)
    insert(project, setId, roi, { action, parent: current, current: target }, annotator)
    return stateOf(roi, rowsOf(project, setId, roi))
  })()
}

/**
 * Applies corrected masks to instance ids read over `region` (C order): inside each ROI's box, the ROI's
 * own voxels its mask leaves out become 0, and the voxels its mask holds become the ROI.
 */
export function applyMasks(
  ids: { length: number; [i: number]: number },
  region: Region,
  masks: readonly RoiMask[],
): void {
  const ny = region.y1 - region.y0
  const nx = region.x1 - region.x0
  for (const { roi, box, mask } of masks) {
    const z0 = Math.max(box[0], region.z0)
    const z1 = Math.min(box[3], region.z1)
    const y0 = Math.max(box[1], region.y0)
    const y1 = Math.min(box[4], region.y1)
    const x0 = Math.max(box[2], region.x0)
    const x1 = Math.min(box[5], region.x1)
    if (z0 >= z1 || y0 >= y1 || x0 >= x1) continue
    const by = box[4] - box[1]
    const bx = box[5] - box[2]
    for (let z = z0; z < z1; z++)
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) {
          const i = ((z - region.z0) * ny + (y - region.y0)) * nx + (x - region.x0)
          const inside = mask[((z - box[0]) * by + (y - box[1])) * bx + (x - box[2])]
          if (inside) ids[i] = roi
          else if (ids[i] === roi) ids[i] = 0
        }
  }
}

/** The set's instance volume as the corrected masks make it (reads only; the file is untouched). */
export function maskedVolume(volume: Volume, masks: readonly RoiMask[]): Volume {
  if (masks.length === 0) return volume
  return new Proxy(volume, {
    get(target, key, receiver) {
      if (key === 'readRegion')
        return async (region: Region, ...rest: unknown[]) => {
          const ids = await (
            target.readRegion as (r: Region, ...more: unknown[]) => Promise<ArrayLike<number>>
          )(region, ...rest)
          applyMasks(ids as unknown as { length: number; [i: number]: number }, region, masks)
          return ids
        }
      return Reflect.get(target, key, receiver) as unknown
    },
  })
}
