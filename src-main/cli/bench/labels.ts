import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { labelHistory, setLabel, type LabelValue } from '../../engine/labels/index.ts'
import { saveProposalSet } from '../../engine/proposals/index.ts'
import { DB_FILE, Project } from '../../engine/store/index.ts'
import { startWebHost } from '../../web/server.ts'

const LABELS = 2000
const ROIS = 500

/**
 * Python's sqlite3 doing the same durable work: one INSERT and one COMMIT per label, same pragmas, into
 * a project database the migrations made (the labels table with its indexes and foreign keys).
 */
const PEER = `
import sqlite3, sys, time
path, sync, n, rois = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
db = sqlite3.connect(path, isolation_level=None)
db.execute('PRAGMA journal_mode = WAL')
db.execute('PRAGMA synchronous = ' + sync)
db.execute('PRAGMA foreign_keys = ON')
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
        const peerDir = join(work, 'peer')
        projectWithRois(peerDir).close()
        const r = spawnSync(
          python,
          ['-c', PEER, join(peerDir, DB_FILE), sync, String(LABELS), String(ROIS)],
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

const API_LABELS = 2000
const API_WARMUP = 50

/**
 * label.set through the web host's WebSocket API as the grid sends it (a fresh request id each), with
 * `inFlight` requests unanswered at a time; each reply comes after its label's commit at synchronous FULL.
 * Host and client share this process, as in the tests. Returns the time of API_LABELS labels and the
 * transactions that committed them.
 */
async function labelsOverWebSocket(
  projectDir: string,
  inFlight: number,
): Promise<{ seconds: number; commits: number }> {
  const host = await startWebHost({ port: 0, rendererDir: projectDir })
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`)
  try {
    await new Promise<void>((ok, fail) => {
      ws.once('open', () => ok())
      ws.once('error', fail)
    })
    const values: LabelValue[] = ['correct', 'incorrect', 'unsure']
    const run = (first: number, count: number): Promise<void> =>
      new Promise((ok, fail) => {
        let sent = 0
        let answered = 0
        const send = (): void => {
          const i = first + sent++
          const params = {
            ...{ dir: projectDir, set: 1, roi: 1 + (i % ROIS), value: values[i % 3], annotator: 'bench' },
            requestId: `bench-${String(i).padStart(8, '0')}`,
          }
          ws.send(JSON.stringify({ id: i + 1, method: 'label.set', params }))
        }
        const onMessage = (data: WebSocket.RawData): void => {
          const reply = JSON.parse(data.toString()) as { ok: boolean; error?: { message: string } }
          if (!reply.ok) {
            ws.off('message', onMessage)
            return fail(new Error(`bench: label.set failed: ${reply.error?.message}`))
          }
          if (++answered === count) {
            ws.off('message', onMessage)
            return ok()
          }
          if (sent < count) send()
        }
        ws.on('message', onMessage)
        while (sent < Math.min(inFlight, count)) send()
      })
    await run(0, API_WARMUP)
    const commits0 = host.projects.labels.commits
    const t0 = performance.now()
    await run(API_WARMUP, API_LABELS)
    return { seconds: (performance.now() - t0) / 1000, commits: host.projects.labels.commits - commits0 }
  } finally {
    ws.terminate()
    await host.close()
  }
}

const OPENS = 200

/**
 * Rows `label_set_websocket_in_flight_{1,16}_x2000`: labels per second through the web host's API, which
 * holds the project open; and `label_commit_open_per_label_x200`: labels committed as the API did before,
 * opening the project for each and closing it after (the close checkpoints the WAL), for comparison with
 * `label_commit_wal_full` on a held connection.
 */
export async function benchLabelsApi(dir: string): Promise<object[]> {
  const lines: object[] = []
  const opens = mkdtempSync(join(dir, 'labels-open-'))
  try {
    projectWithRois(join(opens, 'project')).close()
    const t0 = performance.now()
    for (let i = 0; i < OPENS; i++) {
      const project = Project.open(join(opens, 'project'))
      setLabel(project, 1, 1 + (i % ROIS), 'correct', 'bench')
      project.close()
    }
    const seconds = (performance.now() - t0) / 1000
    lines.push({
      name: `label_commit_open_per_label_x${OPENS}`,
      ours_s: +seconds.toFixed(4),
      ms_per_label: +((seconds * 1000) / OPENS).toFixed(3),
    })
  } finally {
    rmSync(opens, { recursive: true, force: true })
  }
  for (const inFlight of [1, 16]) {
    const work = mkdtempSync(join(dir, 'labels-api-'))
    try {
      const projectDir = join(work, 'project')
      projectWithRois(projectDir).close()
      const { seconds, commits } = await labelsOverWebSocket(projectDir, inFlight)
      const project = Project.open(projectDir)
      // The bench's project holds one set.
      const rows = labelHistory(project, 1).length
      project.close()
      if (rows !== API_WARMUP + API_LABELS)
        throw new Error(`bench: ${rows} label rows after ${API_WARMUP + API_LABELS} acknowledged labels`)
      lines.push({
        name: `label_set_websocket_in_flight_${inFlight}_x${API_LABELS}`,
        ours_s: +seconds.toFixed(4),
        labels_per_s: Math.round(API_LABELS / seconds),
        ms_per_label: +((seconds * 1000) / API_LABELS).toFixed(3),
        commits,
        synchronous: 'FULL',
      })
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  }
  return lines
}
