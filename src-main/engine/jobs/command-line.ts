/**
 * The command line this process was started with from a terminal. A job it starts records it (options
 * and working folder), so the window can launch the same command again to resume it, as it does for
 * the jobs it launched itself.
 */

/** Options the launching host sets itself (the project, JSON output): never part of what is recorded. */
const SET_BY_LAUNCH = new Set(['--json'])

export interface CommandLine {
  kind: string
  args: string[]
  /** The folder the command ran in: its relative paths mean something only there. */
  cwd: string
}

let current: CommandLine | null = null

/** Records `activeem <kind> ...argv` as this process's command, less `--project DIR` and `--json`. */
export function setCommandLine(kind: string, argv: readonly string[], cwd = process.cwd()): void {
  const args: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--project') i++
    else if (!a.startsWith('--project=') && !SET_BY_LAUNCH.has(a)) args.push(a)
  }
  current = { kind, args, cwd }
}

/** The recorded command when it is the one that runs jobs of `kind` (a campaign's inner steps are not). */
export function commandLineFor(kind: string): CommandLine | null {
  return current?.kind === kind ? current : null
}

/** Forgets the recorded command (tests run several in one process). */
export function clearCommandLine(): void {
  current = null
}
