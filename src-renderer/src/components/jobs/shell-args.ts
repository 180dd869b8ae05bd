/**
 * Splits an arguments field the way a shell would for plain words: whitespace separates, single or
 * double quotes keep spaces in one argument (a path with spaces), a backslash escapes one character.
 * Nothing is expanded: no variables, no globs, no ~.
 */
export function splitArgs(text: string): string[] {
  const args: string[] = []
  let current = ''
  let inWord = false
  let quote: '"' | "'" | null = null
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quote) {
      if (c === quote) quote = null
      else if (c === '\\' && quote === '"' && i + 1 < text.length) current += text[++i]
      else current += c
    } else if (c === '"' || c === "'") {
      quote = c
      inWord = true
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i]
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) args.push(current)
      current = ''
      inWord = false
    } else {
      current += c
      inWord = true
    }
  }
  if (quote) throw new Error(`unclosed ${quote === '"' ? 'double' : 'single'} quote in the arguments`)
  if (inWord) args.push(current)
  return args
}

/** The arguments as one would type them again: quoted where a shell would need it. */
export function joinArgs(args: readonly string[]): string {
  return args
    .map((a) => (a === '' || /[\s"'\\$`!*?;&|<>()]/.test(a) ? `'${a.replaceAll("'", `'\\''`)}'` : a))
    .join(' ')
}
