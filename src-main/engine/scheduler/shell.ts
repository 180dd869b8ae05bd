/** A word for a POSIX shell: single-quoted unless plainly safe. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

export function shellLine(words: readonly string[]): string {
  return words.map(shellQuote).join(' ')
}
