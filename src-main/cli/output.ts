/** `--json` prints exactly one JSON object on stdout; otherwise a short human-readable text. */
export function emit(json: boolean | undefined, value: object, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human()}\n`)
}

/** Progress goes to stderr and only to a terminal, so stdout stays parseable and logs stay clean. */
export function progressReporter(label: string): ((fraction: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined
  let last = -1
  return (f) => {
    const pct = Math.floor(f * 100)
    if (pct === last) return
    last = pct
    process.stderr.write(`\r${label} ${pct}%${pct === 100 ? '\n' : ''}`)
  }
}

export function shapeText(shape: readonly number[]): string {
  return shape.join(' x ')
}
