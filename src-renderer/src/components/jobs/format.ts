/** "45 s", "12 min 5 s", "3 h 20 min": durations as a person reads them, precise where it matters. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—'
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  const h = Math.floor(s / 3600)
  return `${h} h ${Math.floor((s % 3600) / 60)} min`
}

/** A loss or metric value with four significant digits, exponent form when tiny or huge. */
export function formatValue(v: number): string {
  if (v === 0) return '0'
  const a = Math.abs(v)
  return a < 1e-3 || a >= 1e5 ? v.toExponential(2) : String(+v.toPrecision(4))
}

/** Local date and time without seconds' noise for today, with the date otherwise. */
export function formatTime(iso: string, now = new Date()): string {
  const t = new Date(iso)
  const time = t.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
  return t.toDateString() === now.toDateString() ? time : `${t.toLocaleDateString()} ${time}`
}

/** The job's own parameters as `name=value` words: scalars only, long paths cut to their end. */
export function paramWords(params: unknown): string[] {
  if (params === null || typeof params !== 'object') return []
  const args = (params as { args?: unknown }).args
  if (Array.isArray(args)) return [args.join(' ')]
  return Object.entries(params as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => {
      const text = String(v)
      return `${k}=${text.length > 48 ? `…${text.slice(-46)}` : text}`
    })
}
