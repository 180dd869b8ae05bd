import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import type { ApiResponse } from '../../../src-shared/contract.ts'
import { COMMIT_PAUSE_MARK } from '../../../src-main/engine/labels/index.ts'
import { openApiSocket } from '../../helpers/api-socket.ts'
import { CLI, cliJson, REPO } from '../../helpers/cli.ts'
import { scopedTempDir } from '../../helpers/peers.ts'
import { projectWithRoiSet } from '../../helpers/roi-set.ts'

const HOST = fileURLToPath(new URL('../../helpers/web-host-child.ts', import.meta.url))
const tmp = scopedTempDir('label-commit-window')
const VALUES = ['correct', 'incorrect', 'unsure'] as const

/** A child whose label transactions each stay open `pauseMs` before COMMIT; `marks` counts the pauses. */
function startPaused(args: string[], pauseMs: number) {
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ACTIVEEM_TEST_PAUSE_IN_COMMIT_MS: String(pauseMs) },
  })
  const state = { stdout: '', stderr: '', marks: 0 }
  const waiters: Array<() => void> = []
  child.stdout!.on('data', (d: Buffer) => {
    state.stdout += d.toString()
    for (const w of waiters.splice(0)) w()
  })
  child.stderr!.on('data', (d: Buffer) => {
    state.stderr += d.toString()
    state.marks = state.stderr.split(COMMIT_PAUSE_MARK).length - 1
    for (const w of waiters.splice(0)) w()
  })
  const exited = new Promise<NodeJS.Signals | null>((ok) => child.on('exit', (_code, signal) => ok(signal)))
  /** Resolves once `check` holds (checked on each output of the child), rejects if the child ends first. */
  const until = (what: string, check: () => boolean): Promise<void> =>
    new Promise((ok, fail) => {
      const look = (): void => {
        if (check()) return ok()
        if (child.exitCode !== null || child.signalCode !== null)
          return fail(new Error(`the child ended before ${what}: ${state.stderr}`))
        waiters.push(look)
      }
      child.once('exit', () => waiters.length && look())
      look()
    })
  return { child, state, exited, until }
}

/** SIGKILL; resolves with the signal that ended the child (null if it had ended by itself). */
async function kill(
  child: ChildProcess,
  exited: Promise<NodeJS.Signals | null>,
): Promise<NodeJS.Signals | null> {
  child.kill('SIGKILL')
  return exited
}

function rows(dir: string): Array<{ id: number; roi_id: number; value: string; request_id: string | null }> {
  const db = new Database(join(dir, 'activeem.sqlite'), { readonly: true })
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok')
    return db.prepare('SELECT id, roi_id, value, request_id FROM labels ORDER BY id').all() as never
  } finally {
    db.close()
  }
}

interface Ack {
  requestId: string
  roi: number
  value: string
  labelId: number
}

/** Each acknowledged label is in the database once, as acknowledged; there is no other row. */
function assertExactly(dir: string, acks: Ack[]): void {
  const all = rows(dir)
  const byId = new Map(all.map((r) => [r.id, r]))
  for (const ack of acks) {
    const row = byId.get(ack.labelId)
    assert.ok(row, `acknowledged label ${ack.requestId} (#${ack.labelId}) is missing`)
    assert.deepEqual([row.roi_id, row.value, row.request_id], [ack.roi, ack.value, ack.requestId])
  }
  const ids = new Set(acks.map((a) => a.requestId))
  assert.equal(all.length, ids.size, `${all.length} rows for ${ids.size} labels: none twice, none extra`)
}

test(
  '`activeem label` killed inside its commit window: nothing half-written, and its retry (same request id) writes one row',
  { timeout: 180_000 },
  async () => {
    const dir = join(tmp.dir, 'cli')
    projectWithRoiSet(dir, 6).project.close()
    const acks: Ack[] = []
    const label = (requestId: string, roi: number, value: string): string[] => [
      CLI,
      ...['label', '--project', dir, '--roi', String(roi), '--value', value],
      ...['--annotator', 'crash', '--request-id', requestId, '--json'],
    ]
    for (let k = 0; k < 6; k++) {
      const requestId = `window-${k}-0000`
      const [roi, value] = [1 + (k % 6), VALUES[k % 3]!]
      // Even rounds: killed while the transaction is held open. Odd rounds: a 40 ms pause and the kill
      // 30-50 ms after it began, so it lands just before the COMMIT, just after it, or after the reply
      // (the process may even have ended by itself).
      const inWindow = k % 2 === 0
      const run = startPaused(label(requestId, roi, value), inWindow ? 60_000 : 40)
      await run.until('its pause before COMMIT', () => run.state.marks > 0)
      if (!inWindow) await new Promise((r) => setTimeout(r, 30 + Math.random() * 20))
      const signal = await kill(run.child, run.exited)
      if (inWindow) {
        assert.equal(signal, 'SIGKILL')
        assert.equal(run.state.stdout, '', 'no reply from inside the transaction')
        assert.ok(!rows(dir).some((r) => r.request_id === requestId), 'the open transaction left nothing')
      }
      // A reply printed before the kill is an acknowledgement like any other.
      const line = run.state.stdout.split('\n').find((l) => l.startsWith('{'))
      const before = line ? (JSON.parse(line) as { labelId: number }).labelId : null
      const retried = cliJson<{ labelId: number }>(label(requestId, roi, value).slice(1, -1))
      const again = cliJson<{ labelId: number }>(label(requestId, roi, value).slice(1, -1))
      assert.equal(again.labelId, retried.labelId, 'a second retry gets the same label back')
      if (before !== null) assert.equal(retried.labelId, before, 'the retry gets the first reply back')
      acks.push({ requestId, roi, value, labelId: retried.labelId })
    }
    assertExactly(dir, acks)
  },
)

test(
  'the web host killed inside a group commit: every acknowledged label is there once, the batch in the window is not, and its retries write each once',
  { timeout: 180_000 },
  async () => {
    const dir = join(tmp.dir, 'host')
    const { project, set } = projectWithRoiSet(dir, 16)
    project.close()
    const acks: Ack[] = []
    const batch = (round: number, part: string) =>
      Array.from({ length: 16 }, (_, i) => ({
        requestId: `host-${round}-${part}-${String(i).padStart(2, '0')}`,
        roi: 1 + i,
        value: VALUES[(i + round) % 3]!,
      }))
    const send = async (
      api: Awaited<ReturnType<typeof openApiSocket>>,
      labels: Array<Omit<Ack, 'labelId'>>,
    ): Promise<Array<ApiResponse | Error>> =>
      Promise.all(
        labels.map((l) =>
          api.request('label.set', { dir, set, annotator: 'crash', ...l }).catch((e: unknown) => e as Error),
        ),
      )
    const acked = (labels: Array<Omit<Ack, 'labelId'>>, replies: Array<ApiResponse | Error>): Ack[] =>
      replies.map((r, i) => {
        assert.ok(!(r instanceof Error) && r.ok, `${labels[i]!.requestId}: ${JSON.stringify(r)}`)
        return { ...labels[i]!, labelId: (r.result as { labelId: number }).labelId }
      })
    const startHost = async (pauseMs: number) => {
      const host = startPaused(['--import', 'tsx', HOST, tmp.dir], pauseMs)
      await host.until('it listens', () => host.state.stdout.includes('\n'))
      const { port, token } = JSON.parse(host.state.stdout) as { port: number; token: string }
      return { host, api: await openApiSocket(port, token) }
    }

    for (let round = 0; round < 3; round++) {
      // Each commit of this host stays open 300 ms: the first batch is committed and answered, the
      // second is killed in its commit window.
      const { host, api } = await startHost(300)
      const first = batch(round, 'a')
      acks.push(...acked(first, await send(api, first)))
      const second = batch(round, 'b')
      const pending = send(api, second)
      const marks = host.state.marks
      await host.until('the second commit', () => host.state.marks > marks)
      assert.equal(await kill(host.child, host.exited), 'SIGKILL')
      const replies = await pending
      assert.ok(
        replies.every((r) => r instanceof Error),
        'no label of the batch in its commit window was acknowledged',
      )
      const ids = new Set(second.map((l) => l.requestId))
      assert.ok(
        !rows(dir).some((r) => r.request_id !== null && ids.has(r.request_id)),
        'nothing of it committed',
      )

      // The client sends them again, twice, to a new host: each is written once.
      const again = await startHost(0)
      try {
        const retried = acked(second, await send(again.api, second))
        const twice = acked(second, await send(again.api, second))
        assert.deepEqual(twice, retried)
        acks.push(...retried)
        // And a retry of the first batch, acknowledged before the kill, gets its first replies back.
        assert.deepEqual(acked(first, await send(again.api, first)), acks.slice(-32, -16))
      } finally {
        again.api.close()
        await kill(again.host.child, again.host.exited)
      }
    }
    assertExactly(dir, acks)
  },
)
