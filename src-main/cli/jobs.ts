import type { ProgressEvent } from '../engine/jobs/index.ts'

/** Ctrl-C (or SIGTERM) cancels cleanly: the work stops at the next step boundary and saves what it has. */
export function cancelOnSignals(): AbortSignal {
  const controller = new AbortController()
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130)
    process.stderr.write(
      '\ncancelling: finishing the current step and saving (press Ctrl-C again to abort now)\n',
    )
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return controller.signal
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?'
  if (seconds < 90) return `${Math.round(seconds)} s`
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`
  return `${(seconds / 3600).toFixed(1)} h`
}

/** One progress line on stderr every few seconds (in place on a terminal): stdout stays for results. */
export function progressPrinter(label: string, everyMs = 3000): (e: ProgressEvent) => void {
  let last = 0
  return (e) => {
    const t = Date.now()
    if (t - last < everyMs && e.fraction < 1) return
    last = t
    const parts = [`${label} ${(e.fraction * 100).toFixed(1)}%`, e.message]
    if (typeof e.voxelsPerSecond === 'number') parts.push(`${(e.voxelsPerSecond / 1e3).toFixed(1)}k voxels/s`)
    if (typeof e.etaSeconds === 'number') parts.push(`ETA ${duration(e.etaSeconds)}`)
    process.stderr.write(process.stderr.isTTY ? `\r${parts.join(', ')}   ` : `${parts.join(', ')}\n`)
  }
}
