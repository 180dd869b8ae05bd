import { closeSync, openSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** The last `error:` line the CLI wrote, or the log's last line: what went wrong, in its own words. */
export function failureLine(logFile: string): string | null {
  let text: string
  try {
    const size = statSync(logFile).size
    text = readFileSync(logFile, 'utf8').slice(Math.max(0, size - 64_000))
  } catch {
    return null
  }
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const error = lines.findLast((l) => l.startsWith('error: '))
  return error ? error.slice('error: '.length) : (lines.at(-1) ?? null)
}

/** The last line of --json output in the log: the command's result. */
export function resultOf(logFile: string): unknown {
  try {
    const lines = readFileSync(logFile, 'utf8').trim().split('\n')
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]!.trim()
      if (line.startsWith('{')) return JSON.parse(line) as unknown
    }
  } catch {
    // no log, or no JSON in it: no result to record
  }
  return null
}

/**
 * logs/job-<id>.log, made empty and new: an id freed by a launch that resumed an earlier job (its row
 * merged away) comes again, and its log must not be written twice.
 */
export function freshLog(logs: string, id: number): string {
  for (let n = 1; ; n++) {
    const file = join(logs, n === 1 ? `job-${id}.log` : `job-${id}-${n}.log`)
    try {
      closeSync(openSync(file, 'wx'))
      return file
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
  }
}

/** One line about a finished command's result, for the commands that may record no job themselves. */
export function summaryOf(result: unknown): string {
  const r = result as {
    round?: unknown
    strategy?: unknown
    queries?: unknown
    step?: unknown
    state?: unknown
    next?: unknown
    result?: { missing?: unknown; queries?: unknown }
  } | null
  if (r && typeof r.round === 'number' && Array.isArray(r.queries))
    return `round ${r.round}: ${r.queries.length} queries (${String(r.strategy)})`
  // activeem round: the step it ran (annotate waiting for people is its usual stop), or --init's next step.
  if (r && typeof r.round === 'number' && typeof r.step === 'string')
    return r.state === 'pending' && r.step === 'annotate'
      ? `campaign round ${r.round}: annotate waits for ${String(r.result?.missing)} of ${String(r.result?.queries)} labels`
      : `campaign round ${r.round}: ${r.step} ${String(r.state)}`
  if (r && typeof r.round === 'number' && typeof r.next === 'string')
    return `campaign started; next: round ${r.round} ${r.next}`
  return 'finished'
}
