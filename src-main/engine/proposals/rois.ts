import type { ComponentRecord } from '../components/index.ts'
import type { Task } from '../model/index.ts'
import type { Project } from '../store/index.ts'
import type { Polarity } from './polarity.ts'

export interface RoiAlignment {
  /** Row of this ROI in the set's patches file. */
  row: number
  /** Global z of the slice the patch was cut from. */
  slice: number
  angleDeg: number
  flipped: boolean
  orientedBy: 'mask' | 'contact'
}

export interface Roi extends ComponentRecord {
  setId: number
  polarity: Polarity | null
  alignment: RoiAlignment | null
}

export interface ProposalSet {
  id: number
  task: Task
  /** The probability map's Zarr group. */
  map: string
  raw: string | null
  params: Record<string, unknown>
  /** Folder of the set's files, relative to the project: labels.zarr, patches.h5, rois.csv. */
  dir: string
  count: number
  createdAt: string
}

interface SetRow {
  id: number
  task: Task
  map: string
  raw: string | null
  params: string
  dir: string
  count: number
  created_at: string
}

function toSet(r: SetRow): ProposalSet {
  return {
    id: r.id,
    task: r.task,
    map: r.map,
    raw: r.raw,
    params: JSON.parse(r.params) as Record<string, unknown>,
    dir: r.dir,
    count: r.count,
    createdAt: r.created_at,
  }
}

export function proposalSets(project: Project): ProposalSet[] {
  return (project.db.prepare('SELECT * FROM proposal_sets ORDER BY id').all() as SetRow[]).map(toSet)
}

export function proposalSet(project: Project, id?: number): ProposalSet | null {
  const row = (
    id === undefined
      ? project.db.prepare('SELECT * FROM proposal_sets ORDER BY id DESC LIMIT 1').get()
      : project.db.prepare('SELECT * FROM proposal_sets WHERE id = ?').get(id)
  ) as SetRow | undefined
  return row ? toSet(row) : null
}

/** The sets cut from one probability map, oldest first. */
export function proposalSetsOfMap(project: Project, map: string): ProposalSet[] {
  return (
    project.db.prepare('SELECT * FROM proposal_sets WHERE map = ? ORDER BY id').all(map) as SetRow[]
  ).map(toSet)
}

/** An ROI's id, box, centroid and size. */
export type RoiPlace = Pick<
  ComponentRecord,
  'id' | 'z0' | 'y0' | 'x0' | 'z1' | 'y1' | 'x1' | 'cz' | 'cy' | 'cx' | 'voxels'
>

interface RoiRow extends RoiPlace {
  set_id: number
  mean_p: number
  max_p: number
  polarity: string | null
  alignment: string | null
}

/** Just the place of an ROI, from any row of it: the stored one, the export's table, an imported one. */
export function roiPlace(r: RoiPlace): RoiPlace {
  return {
    id: r.id,
    z0: r.z0,
    y0: r.y0,
    x0: r.x0,
    z1: r.z1,
    y1: r.y1,
    x1: r.x1,
    cz: r.cz,
    cy: r.cy,
    cx: r.cx,
    voxels: r.voxels,
  }
}

export function roisOf(project: Project, setId: number): Roi[] {
  const rows = project.db.prepare('SELECT * FROM rois WHERE set_id = ? ORDER BY id').all(setId) as RoiRow[]
  return rows.map((r) => ({
    setId: r.set_id,
    ...roiPlace(r),
    mean: r.mean_p,
    max: r.max_p,
    polarity: r.polarity ? (JSON.parse(r.polarity) as Polarity) : null,
    alignment: r.alignment ? (JSON.parse(r.alignment) as RoiAlignment) : null,
  }))
}

export function hasRoi(project: Project, setId: number, roi: number): boolean {
  return project.db.prepare('SELECT 1 FROM rois WHERE set_id = ? AND id = ?').get(setId, roi) !== undefined
}

/**
 * Records a set and its ROIs in one transaction; `place(id)` moves the set's files into their final
 * folder inside it, so either both the rows and the folder exist or neither does.
 */
export function saveProposalSet(
  project: Project,
  set: Omit<ProposalSet, 'id' | 'dir' | 'createdAt'>,
  rois: ReadonlyArray<Omit<Roi, 'setId'>>,
  place: (id: number) => string,
): ProposalSet {
  const db = project.db
  const id = db.transaction(() => {
    const info = db
      .prepare(
        'INSERT INTO proposal_sets (task, map, raw, params, dir, count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(set.task, set.map, set.raw, JSON.stringify(set.params), '', set.count, new Date().toISOString())
    const id = Number(info.lastInsertRowid)
    insertRois(project, id, rois)
    db.prepare('UPDATE proposal_sets SET dir = ? WHERE id = ?').run(place(id), id)
    return id
  })()
  return proposalSet(project, id)!
}

/** A set restored under its own id (import); the caller holds the transaction and inserts its ROIs. */
export function restoreProposalSet(project: Project, set: ProposalSet): void {
  project.db
    .prepare(
      'INSERT INTO proposal_sets (id, task, map, raw, params, dir, count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .run(set.id, set.task, set.map, set.raw, JSON.stringify(set.params), set.dir, set.count, set.createdAt)
}

/** The ROI rows of set `setId`; call it inside the transaction that records the set. */
export function insertRois(project: Project, setId: number, rois: ReadonlyArray<Omit<Roi, 'setId'>>): void {
  const insert = project.db.prepare(
    `INSERT INTO rois (set_id, id, z0, y0, x0, z1, y1, x1, voxels, cz, cy, cx, mean_p, max_p, polarity, alignment)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  for (const r of rois)
    insert.run(
      setId,
      r.id,
      r.z0,
      r.y0,
      r.x0,
      r.z1,
      r.y1,
      r.x1,
      r.voxels,
      r.cz,
      r.cy,
      r.cx,
      r.mean,
      r.max,
      r.polarity ? JSON.stringify(r.polarity) : null,
      r.alignment ? JSON.stringify(r.alignment) : null,
    )
}
