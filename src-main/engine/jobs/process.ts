import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'

/** The process of a job as its row records it: who runs it, where, and when it last said anything. */
export interface JobProcess {
  pid: number | null
  host: string | null
  updatedAt: string
}

/** A job on another machine (a project on a shared disk) counts as alive while it keeps writing. */
export const FOREIGN_HOST_SILENCE_MS = 10 * 60_000

export function thisHost(): string {
  return hostname()
}

/** Linux: the boot time, for turning a process's start (ticks since boot) into a date. */
function bootTimeMs(): number | null {
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))
    return m ? Number(m[1]) * 1000 : null
  } catch {
    return null
  }
}

/** Clock ticks per second of /proc/<pid>/stat: 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100

/** Linux only: when the process started (ms since the epoch) and whether it is a zombie. */
export function procStart(pid: number): { startedMs: number; zombie: boolean } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name may hold spaces and parentheses: fields are counted after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const boot = bootTimeMs()
    if (boot === null) return null
    return { startedMs: boot + (Number(fields[19]) / CLOCK_TICKS) * 1000, zombie: fields[0] === 'Z' }
  } catch {
    return null
  }
}

/**
 * Whether the process that last wrote the row at `lastWrite` still runs. A pid is reused once its
 * process has gone: a process that started after the row's last write is someone else.
 */
export function pidAlive(pid: number, lastWrite = Number.POSITIVE_INFINITY): boolean {
  try {
    process.kill(pid, 0)
  } catch (e) {
    // EPERM: it exists but belongs to another user; only ESRCH says it is gone.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const info = procStart(pid)
  if (!info) return true
  // Start times are kept in ticks; the slack covers them and the clock reading of the row.
  return !info.zombie && info.startedMs <= lastWrite + 2000
}

export function jobProcessAlive(p: JobProcess, now = Date.now()): boolean {
  if (p.pid === null) return false
  if (p.host !== null && p.host !== thisHost()) return now - Date.parse(p.updatedAt) < FOREIGN_HOST_SILENCE_MS
  return pidAlive(p.pid, Date.parse(p.updatedAt))
}
