import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { REPO } from '../../helpers/cli.ts'
import { projectWithRoiSet } from '../../helpers/roi-set.ts'

const LOOP = fileURLToPath(new URL('../../helpers/label-loop.ts', import.meta.url))
const tmp = mkdtempSync(join(tmpdir(), 'activeem-label-crash-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

interface Ack {
  id: number
  roi: number
  value: string
}

/** Starts the labelling child, kills it with SIGKILL `delayMs` after its first acknowledgement. */
function labelThenKill(dir: string, delayMs: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', LOOP, dir, '1', '40', 'crash'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    let armed = false
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (!armed && out.includes('\n')) {
        armed = true
        setTimeout(() => child.kill('SIGKILL'), delayMs)
      }
    })
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`the child ended by itself (${code}): ${err}`))
      // Only complete lines are acknowledgements; a line cut by the kill was never fully sent.
      const lines = out.split('\n').slice(0, -1)
      resolve(
        lines.map((line) => {
          const [id, roi, value] = line.split(' ')
          return { id: Number(id), roi: Number(roi), value: value! }
        }),
      )
    })
  })
}

test(
  'labels survive SIGKILL at random moments: every acknowledged label is in a database that passes integrity_check',
  { timeout: 180_000 },
  async () => {
    const dir = join(tmp, 'p')
    projectWithRoiSet(dir, 40).project.close()
    const acknowledged: Ack[] = []
    const kills = 25
    for (let k = 0; k < kills; k++) {
      // Random moments between 0 and 300 ms into the labelling: mid-statement, mid-commit, between labels.
      const acks = await labelThenKill(dir, Math.floor(Math.random() * 300))
      assert.ok(acks.length > 0, `kill ${k}: the child acknowledged labels before it was killed`)
      acknowledged.push(...acks)
    }
    const db = new Database(join(dir, 'activeem.sqlite'))
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok')
      assert.deepEqual(db.pragma('foreign_key_check'), [])
      const rows = new Map(
        (
          db.prepare('SELECT id, roi_id, value FROM labels').all() as Array<{
            id: number
            roi_id: number
            value: string | null
          }>
        ).map((r) => [r.id, r]),
      )
      for (const ack of acknowledged) {
        const row = rows.get(ack.id)
        assert.ok(row, `acknowledged label ${ack.id} (ROI ${ack.roi}) is missing`)
        assert.deepEqual([row.roi_id, row.value ?? 'none'], [ack.roi, ack.value], `label ${ack.id}`)
      }
      assert.ok(rows.size >= acknowledged.length)
      assert.ok(
        acknowledged.length >= kills * 5,
        `${acknowledged.length} labels acknowledged over ${kills} kills`,
      )
    } finally {
      db.close()
    }
  },
)
