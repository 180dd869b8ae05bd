import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { InputError } from '../errors.ts'
import { throwIfCancelled } from '../jobs/index.ts'
import { mergeArgs, type RunPlan } from './plan.ts'
import type { TaskEvents, TaskOutcome, TaskRunner } from './tasks.ts'

export interface ClusterRunResult {
  scheduler: string
  command: string[]
  jobs: number
  dir: string
  /** Blocks that failed once and were rerun (successfully). */
  rerun: number[]
  /** The merge's own JSON result. */
  merge: unknown
  blockSeconds: number
  mergeSeconds: number
}

/**
 * Every block, each failed one rerun once (a node lost or a task killed should not cost the whole
 * run; a block that fails twice is the input's fault, and the user sees its log), then the merge here.
 */
export async function runBlocks(
  plan: RunPlan,
  runner: TaskRunner,
  events: TaskEvents & { onMergeOutput?: (text: string) => void } = {},
): Promise<ClusterRunResult> {
  const all = Array.from({ length: plan.jobs }, (_, i) => i)
  const t0 = performance.now()
  const first = await runner.run(all, events)
  throwIfCancelled(events.signal)
  const failed = first.filter((o) => !o.ok)
  let still: TaskOutcome[] = []
  if (failed.length > 0) {
    events.onStatus?.(`rerunning block(s) ${failed.map((f) => `${f.index} (${f.reason})`).join(', ')} once`)
    const second = await runner.run(
      failed.map((f) => f.index),
      events,
    )
    throwIfCancelled(events.signal)
    still = second.filter((o) => !o.ok)
  }
  if (still.length > 0) {
    const f = still[0]!
    throw new InputError(
      `cluster run: block ${f.index}/${plan.jobs} failed twice (${f.reason}); see ${join(plan.dir, `task-${f.index}.log`)}` +
        (still.length > 1 ? ` (and ${still.length - 1} more block(s))` : ''),
    )
  }
  const blockSeconds = (performance.now() - t0) / 1000
  const t1 = performance.now()
  const merge = await runMerge(plan)
  return {
    scheduler: runner.name,
    command: plan.command,
    jobs: plan.jobs,
    dir: plan.dir,
    rerun: failed.map((f) => f.index),
    merge,
    blockSeconds,
    mergeSeconds: (performance.now() - t1) / 1000,
  }
}

/** The merge runs here, as the same CLI: its errors are already one `error:` line, passed on as they are. */
function runMerge(plan: RunPlan): Promise<unknown> {
  const [program, ...first] = plan.activeem
  return new Promise((resolveMerge, reject) => {
    const child = spawn(program!, [...first, ...mergeArgs(plan)], {
      cwd: plan.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) {
        const line = err
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('error:'))
          .at(-1)
          ?.replace(/^error: /, '')
        reject(new InputError(`cluster run: the merge failed: ${line ?? `exit ${code}`}`))
        return
      }
      try {
        resolveMerge(JSON.parse(out))
      } catch {
        reject(new InputError(`cluster run: the merge printed no JSON result: ${out.slice(0, 200)}`))
      }
    })
  })
}
