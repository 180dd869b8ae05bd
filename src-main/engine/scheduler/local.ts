import { spawn } from 'node:child_process'
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { blockArgs, type RunPlan } from './plan.ts'
import { statusLine, type TaskEvents, type TaskOutcome, type TaskRunner } from './tasks.ts'

/**
 * Blocks as processes on this machine, all at once: the same commands a cluster's tasks run, so a
 * run tried here behaves the same there. Each task's output goes to its log; its pid to a file, so a
 * stuck task can be found and killed by hand.
 */
export class LocalRunner implements TaskRunner {
  readonly name = 'local'
  constructor(private readonly plan: RunPlan) {}

  run(indices: readonly number[], events: TaskEvents): Promise<TaskOutcome[]> {
    const { plan } = this
    const running = new Set<number>()
    const report = (): void => {
      const counts = new Map([
        ['running', running.size],
        ['done', indices.length - running.size],
      ])
      events.onStatus?.(statusLine(counts))
    }
    const tasks = indices.map(
      (index) =>
        new Promise<TaskOutcome>((resolveTask) => {
          const log = openSync(join(plan.dir, `task-${index}.log`), 'a')
          const [program, ...first] = plan.activeem
          const child = spawn(program!, [...first, ...blockArgs(plan, index)], {
            cwd: plan.cwd,
            stdio: ['ignore', log, log],
          })
          closeSync(log)
          const pidFile = join(plan.dir, `task-${index}.pid`)
          if (child.pid !== undefined) writeFileSync(pidFile, `${child.pid}\n`)
          running.add(index)
          const cancel = (): void => void child.kill('SIGTERM')
          events.signal?.addEventListener('abort', cancel, { once: true })
          child.on('error', (e) => {
            running.delete(index)
            resolveTask({ index, ok: false, reason: e.message })
          })
          child.on('close', (code, signal) => {
            events.signal?.removeEventListener('abort', cancel)
            rmSync(pidFile, { force: true })
            running.delete(index)
            report()
            resolveTask({
              index,
              ok: code === 0,
              reason: signal ? `killed by ${signal}` : `exit ${code}`,
            })
          })
        }),
    )
    report()
    return Promise.all(tasks)
  }
}
