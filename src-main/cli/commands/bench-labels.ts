import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { setLabel, type LabelValue } from '../../engine/labels/index.ts'
import { saveProposalSet } from '../../engine/proposals/rois.ts'
import { Project } from '../../engine/store/index.ts'

const LABELS = 2000
const ROIS = 500

/** Python's sqlite3 doing the same durable work: one INSERT and one COMMIT per label, same pragmas. */
const PEER = `
import sqlite3, sys, time
path, sync, n, rois = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
db = sqlite3.connect(path, isolation_level=None)
db.execute('PRAGMA journal_mode = WAL')
db.execute('PRAGMA synchronous = ' + sync)
db.execute('CREATE TABLE labels (id INTEGER PRIMARY KEY, set_id INTEGER, roi_id INTEGER, annotator TEXT, value TEXT, undo_of INTEGER, round_id INTEGER, at TEXT)')
values = ['correct', 'incorrect', 'unsure']
t0 = time.perf_counter()
for i in range(n):
    db.execute('BEGIN')
    db.execute('INSERT INTO labels (set_id, roi_id, annotator, value, at) VALUES (1, ?, ?, ?, ?)', (1 + i % rois, 'bench', values[i % 3], '2026-01-01T00:00:00Z'))
    db.execute('COMMIT')
print(time.perf_counter() - t0)
`

function projectWithRois(dir: string): Project {
  const project = Project.init(dir)
  const rois = Array.from({ length: ROIS }, (_, i) => ({
    id: i + 1,
    ...{ z0: 0, y0: 0, x0: i, z1: 1, y1: 1, x1: i + 1, voxels: 1, cz: 0, cy: 0, cx: i, mean: 1, max: 1 },
    polarity: null,
    alignment: null,
  }))
  saveProposalSet(
    project,
    { task: 'mito', map: 'none', raw: null, params: {}, count: ROIS },
    rois,
    (id) => `p/${id}`,
  )
  return project
}

/**
 * Labels committed one by one (each acknowledged only after its commit) with WAL at synchronous FULL
 * and NORMAL: what each costs a click, against Python's sqlite3 doing the same inserts.
 */
export function benchLabels(dir: string, python: string | null): object[] {
  const lines: object[] = []
  for (const sync of ['FULL', 'NORMAL'] as const) {
    const work = mkdtempSync(join(dir, 'labels-'))
    try {
      const project = projectWithRois(join(work, 'project'))
      project.db.pragma(`synchronous = ${sync}`)
      const values: LabelValue[] = ['correct', 'incorrect', 'unsure']
      const t0 = performance.now()
      for (let i = 0; i < LABELS; i++) setLabel(project, 1, 1 + (i % ROIS), values[i % 3]!, 'bench')
      const ours = (performance.now() - t0) / 1000
      project.close()
      let peer: number | null = null
      if (python) {
        const r = spawnSync(
          python,
          ['-c', PEER, join(work, 'peer.sqlite'), sync, String(LABELS), String(ROIS)],
          {
            encoding: 'utf8',
          },
        )
        if (r.status === 0) peer = Number(r.stdout.trim())
      }
      lines.push({
        name: `label_commit_wal_${sync.toLowerCase()}_x${LABELS}`,
        ours_s: +ours.toFixed(4),
        ms_per_label: +((ours * 1000) / LABELS).toFixed(3),
        peer: 'python3 sqlite3',
        peer_s: peer === null ? null : +peer.toFixed(4),
        ratio: peer === null ? null : +(ours / peer).toFixed(2),
      })
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  }
  return lines
}
