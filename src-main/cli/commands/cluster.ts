import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { InputError } from '../../engine/errors.ts'
import { CancelledError } from '../../engine/jobs/index.ts'
import {
  activeemCommand,
  checkCommand,
  indexedJobManifest,
  LocalRunner,
  runBlocks,
  sbatchScript,
  shellLine,
  SlurmRunner,
  type RunPlan,
  type TaskRunner,
} from '../../engine/scheduler/index.ts'
import { options, parse, parseChoice, parseInteger } from '../args.ts'
import { cancelOnSignals } from '../jobs.ts'
import { emit } from '../output.ts'

export const usage =
  'activeem cluster run --scheduler slurm|local|kubernetes --jobs N [--dir DIR] [--partition P] [--time T] [--mem M] [--gpus G] [--cpus-per-task C] [--account A] [--image I --claim PVC] [--poll-ms MS] [--dry-run] [--json] -- COMMAND ...'

const SCHEDULERS = ['slurm', 'local', 'kubernetes'] as const

/** `runs/<command>-<UTC stamp>` under the working folder: on a cluster that is the shared filesystem. */
function defaultDir(command: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')
  return resolve('activeem-runs', `${command}-${stamp}`)
}

/** Runs a block command (predict, components, pyramid, proposals) as N blocks, then its merge. */
export async function cluster(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    'cluster',
    argv,
    options(
      [
        'scheduler',
        'jobs',
        'dir',
        'partition',
        'time',
        'mem',
        'gpus',
        'cpus-per-task',
        'account',
        'image',
        'claim',
        'poll-ms',
      ],
      ['dry-run'],
    ),
    { min: 1, max: Number.MAX_SAFE_INTEGER, usage },
  )
  const [verb, ...command] = positionals
  if (verb !== 'run') throw new InputError(`cluster: expected 'run', got '${verb}'; usage: ${usage}`)
  checkCommand(command)
  if (values.scheduler === undefined)
    throw new InputError(`cluster run: --scheduler is required (slurm, local or kubernetes); usage: ${usage}`)
  const scheduler = parseChoice('--scheduler', values.scheduler, SCHEDULERS, 'local')
  if (values.jobs === undefined) throw new InputError(`cluster run: --jobs is required; usage: ${usage}`)
  const jobs = parseInteger('--jobs', values.jobs, 1, 1, 100_000)
  const pollMs = parseInteger('--poll-ms', values['poll-ms'], 1000, 50, 600_000)
  const cpusPerTask =
    values['cpus-per-task'] !== undefined
      ? parseInteger('--cpus-per-task', values['cpus-per-task'], 1, 1, 4096)
      : undefined
  const plan: RunPlan = {
    command,
    jobs,
    dir: values.dir !== undefined ? resolve(values.dir) : defaultDir(command[0]!),
    cwd: process.cwd(),
    activeem: activeemCommand(),
  }

  if (scheduler === 'kubernetes') {
    if (!values['dry-run'])
      throw new InputError(
        'cluster run: --scheduler kubernetes writes the Indexed Job manifest only (--dry-run); apply it with kubectl apply -f, then run the command with --merge',
      )
    if (values.image === undefined) throw new InputError('cluster run: --scheduler kubernetes needs --image')
    process.stdout.write(
      indexedJobManifest(plan, {
        image: values.image,
        ...(values.claim ? { claim: values.claim } : {}),
        ...(values.mem ? { memory: values.mem } : {}),
        ...(values.gpus ? { gpus: parseInteger('--gpus', values.gpus, 1, 1, 64) } : {}),
      }),
    )
    return
  }

  const script =
    scheduler === 'slurm'
      ? sbatchScript(plan, {
          ...(values.partition ? { partition: values.partition } : {}),
          ...(values.time ? { time: values.time } : {}),
          ...(values.mem ? { mem: values.mem } : {}),
          ...(values.gpus ? { gpus: values.gpus } : {}),
          ...(values.account ? { account: values.account } : {}),
          ...(cpusPerTask !== undefined ? { cpusPerTask } : {}),
        })
      : undefined
  if (values['dry-run']) {
    process.stdout.write(
      script ??
        Array.from({ length: jobs }, (_, i) =>
          shellLine([...plan.activeem, ...command, '--block', `${i}/${jobs}`]),
        ).join('\n') + `\n${shellLine([...plan.activeem, ...command, '--merge'])}\n`,
    )
    return
  }

  mkdirSync(plan.dir, { recursive: true })
  let runner: TaskRunner
  if (script !== undefined) {
    const path = join(plan.dir, 'job.sbatch')
    writeFileSync(path, script, { mode: 0o755 })
    runner = new SlurmRunner(plan, path, pollMs)
  } else runner = new LocalRunner(plan)
  const signal = cancelOnSignals()
  const say = (line: string): void => void process.stderr.write(`cluster: ${line}\n`)
  // Slurm's first line waits for sbatch's answer, so a refused job stays one `error:` line.
  if (scheduler === 'local') say(`${command[0]} as ${jobs} block(s) on this machine; logs in ${plan.dir}`)
  const result = await runBlocks(plan, runner, {
    signal,
    onStatus: say,
    onSubmitted: (id, indices) => {
      writeFileSync(join(plan.dir, 'submitted.txt'), `${id} ${indices.join(',')}\n`, { flag: 'a' })
      say(`submitted Slurm job ${id} (array ${indices.join(',')}); logs in ${plan.dir}`)
    },
  }).catch((e: unknown) => {
    if (e instanceof CancelledError) {
      say('cancelled; blocks already done are kept: run the same command to go on')
      process.exit(130)
    }
    throw e
  })
  emit(values.json, result, () =>
    [
      `${command[0]}: ${jobs} block(s) on ${scheduler} in ${result.blockSeconds.toFixed(1)} s` +
        (result.rerun.length > 0 ? ` (block(s) ${result.rerun.join(', ')} rerun)` : '') +
        `, merged in ${result.mergeSeconds.toFixed(1)} s`,
      JSON.stringify(result.merge),
    ].join('\n'),
  )
}
