import { writeSync } from 'node:fs'

/**
 * Test hook, read once here: ACTIVEEM_TEST_PAUSE_IN_COMMIT_MS holds every label transaction open that
 * long just before its COMMIT, after saying so on stderr. The window between a label's INSERT and its
 * COMMIT is microseconds wide, so a crash test that kills at random almost never lands in it; with the
 * pause it can SIGKILL the process exactly there. The sleep is synchronous (Atomics.wait), so nothing
 * else runs and the transaction stays open while it lasts.
 */
const PAUSE_MS = Number(process.env['ACTIVEEM_TEST_PAUSE_IN_COMMIT_MS'] ?? 0)

export const COMMIT_PAUSE_MARK = 'activeem: test pause before COMMIT'

export function pauseBeforeCommit(): void {
  if (!(PAUSE_MS > 0)) return
  writeSync(2, `${COMMIT_PAUSE_MARK} (${PAUSE_MS} ms)\n`)
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, PAUSE_MS)
}
