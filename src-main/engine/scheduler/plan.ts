import { InputError } from '../errors.ts'

/** Commands that run as blocks (--block i/n) and join them (--merge). */
export const BLOCK_COMMANDS = ['predict', 'components', 'pyramid', 'proposals'] as const

/** What a cluster run executes: `<activeem> <command...> --block i/N` for each i, then `--merge` once. */
export interface RunPlan {
  /** The command and its arguments, as after `activeem` (no --block or --merge). */
  command: string[]
  jobs: number
  /** Work folder for the script, task logs and exit files: on a cluster, on the shared filesystem. */
  dir: string
  /** The working directory tasks start in (relative paths of the command resolve there). */
  cwd: string
  /** How a task starts ActiveEM: `node /abs/bin/activeem.mjs` by default. */
  activeem: string[]
}

/** What Slurm asks of each array task; absent fields are left to the cluster's defaults. */
export interface SlurmResources {
  partition?: string
  time?: string
  mem?: string
  gpus?: string
  cpusPerTask?: number
  account?: string
}

export function checkCommand(command: readonly string[]): void {
  const [name] = command
  if (name === undefined)
    throw new InputError(
      'cluster run: no command after --; e.g. cluster run --jobs 4 -- predict --project DIR ...',
    )
  if (!(BLOCK_COMMANDS as readonly string[]).includes(name))
    throw new InputError(
      `cluster run: '${name}' does not run as blocks; expected one of ${BLOCK_COMMANDS.join(', ')}`,
    )
  for (const arg of command) {
    const flag = arg.split('=')[0]
    if (flag === '--block' || flag === '--merge')
      throw new InputError(`cluster run: leave ${flag} out of the command: each task gets its own --block`)
    if (flag === '--json') throw new InputError('cluster run: put --json before --, not in the command')
  }
}

export function blockArgs(plan: RunPlan, index: number): string[] {
  return [...plan.command, '--block', `${index}/${plan.jobs}`]
}

export function mergeArgs(plan: RunPlan): string[] {
  return [...plan.command, '--merge', '--json']
}
