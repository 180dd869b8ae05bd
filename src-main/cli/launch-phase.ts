/**
 * What a project command records before it loads anything heavy. Launched by a host (LAUNCH_ENV names
 * its row), it says 'loading' in that row: the card that ran it shows a phase within a second of Run.
 * Typed in a terminal, it keeps its command line for the job it starts, so the window can resume it.
 * Silent on any failure: the command itself reports what is wrong with its project.
 */
export async function announceLaunch(kind: string, argv: readonly string[]): Promise<void> {
  if (!argv.some((a) => a === '--project' || a.startsWith('--project='))) return
  // Loaded only for project commands: `activeem info` and the like start as fast as before.
  const { LAUNCH_ENV, launchPhase, setCommandLine } = await import('../engine/jobs/index.ts')
  const raw = process.env[LAUNCH_ENV]
  // Typed in a terminal: the job it starts keeps the command, for the window's Resume. A window's
  // launch recorded its own.
  if (raw === undefined) setCommandLine(kind, argv)
  const at = argv.indexOf('--project')
  const dir =
    at >= 0 ? argv[at + 1] : argv.find((a) => a.startsWith('--project='))?.slice('--project='.length)
  const id = Number(raw)
  if (raw === undefined || !dir || !Number.isInteger(id) || id <= 0) return
  try {
    const { Project } = await import('../engine/store/index.ts')
    const project = Project.open(dir)
    try {
      launchPhase(project, id, kind, `loading: activeem ${kind} started (process ${process.pid})`)
    } finally {
      project.close()
    }
  } catch {
    // the command opens the project again and says what is wrong with it
  }
}
