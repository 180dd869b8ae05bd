import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { InputError } from '../errors.ts'
import type { RunPlan } from './plan.ts'
import { exitFile } from './sbatch-script.ts'
import { statusLine, type TaskEvents, type TaskOutcome, type TaskRunner } from './tasks.ts'

function slurmCommand(program: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync(program, args, { encoding: 'utf8' })
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT')
    throw new InputError(
      `cluster run: ${program} not found: Slurm's client commands are not installed here (or use --scheduler local)`,
    )
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? '').trim() }
}

/** Array indices in sbatch's syntax: "0-3" or "1,3". */
function arraySpec(indices: readonly number[]): string {
  return indices.join(',')
}

/**
 * A Slurm job array: submitted with sbatch, followed with squeue until no task is left in the queue,
 * and judged by the exit files the script writes (a task Slurm cancelled, timed out or lost leaves
 * none). squeue rather than sacct: sacct needs accounting storage, which many clusters' users and
 * every small test setup lack.
 */
export class SlurmRunner implements TaskRunner {
  readonly name = 'slurm'
  constructor(
    private readonly plan: RunPlan,
    private readonly script: string,
    private readonly pollMs = 1000,
  ) {}

  async run(indices: readonly number[], events: TaskEvents): Promise<TaskOutcome[]> {
    for (const i of indices) rmSync(exitFile(this.plan.dir, i), { force: true })
    const submitted = slurmCommand('sbatch', ['--parsable', `--array=${arraySpec(indices)}`, this.script])
    if (!submitted.ok)
      throw new InputError(
        `cluster run: sbatch refused the job: ${
          submitted.err
            .split('\n')
            .at(-1)
            ?.replace(/^sbatch: error: /, '') || 'no reason given'
        }`,
      )
    const jobId = submitted.out.trim().split(';')[0]!
    if (!/^\d+$/.test(jobId))
      throw new InputError(`cluster run: sbatch answered '${submitted.out.trim()}', not a job id`)
    events.onSubmitted?.(jobId, indices)
    const cancel = (): void => void slurmCommand('scancel', [jobId])
    events.signal?.addEventListener('abort', cancel, { once: true })
    try {
      let last = ''
      for (;;) {
        const queue = slurmCommand('squeue', ['-h', '-r', '-j', jobId, '-o', '%T'])
        // Once the whole array has left the queue, squeue either lists nothing or calls the id invalid.
        // Any other failure (slurmctld busy or restarting) says nothing of the tasks: ask again, as
        // judging them now would rerun tasks that are still running.
        if (!queue.ok && !/invalid job id/i.test(queue.err)) {
          if (events.signal?.aborted) break
          await sleep(this.pollMs)
          continue
        }
        const states = queue.ok ? queue.out.split('\n').filter((s) => s.trim() !== '') : []
        if (states.length === 0) break
        const counts = new Map<string, number>()
        for (const s of states) counts.set(s.toLowerCase(), (counts.get(s.toLowerCase()) ?? 0) + 1)
        const line = statusLine(counts)
        if (line !== last) events.onStatus?.(`job ${jobId}: ${line}`)
        last = line
        if (events.signal?.aborted) break
        await sleep(this.pollMs)
      }
    } finally {
      events.signal?.removeEventListener('abort', cancel)
    }
    return indices.map((index) => {
      const file = exitFile(this.plan.dir, index)
      if (!existsSync(file))
        return { index, ok: false, reason: 'ended without an exit status (cancelled, timed out or killed)' }
      const code = readFileSync(file, 'utf8').trim()
      return { index, ok: code === '0', reason: `exit ${code}` }
    })
  }
}
