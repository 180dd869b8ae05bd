import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pidAlive } from './jobs/index.ts'

/**
 * Removes the staging folders in `dir` of runs that died: those `pattern` names (its first group the
 * process id, as `.partial-<pid>`) whose process is gone. A killed run leaves nothing else behind.
 */
export function removeStaleStaging(dir: string, pattern = /^\.partial-(\d+)$/): void {
  for (const name of readdirSync(dir)) {
    const m = pattern.exec(name)
    if (!m) continue
    const pid = Number(m[1])
    if (pid !== process.pid && pidAlive(pid)) continue
    rmSync(join(dir, name), { recursive: true, force: true })
  }
}
