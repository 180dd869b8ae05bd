import { join } from 'node:path'
import type { RunPlan, SlurmResources } from './plan.ts'
import { shellLine, shellQuote } from './shell.ts'

export function taskLog(dir: string): string {
  return join(dir, 'task-%a.log')
}

export function exitFile(dir: string, index: number | string): string {
  return join(dir, `task-${index}.exit`)
}

/**
 * The job-array script: task i runs block i/N and records its exit status in a file, written
 * atomically, which is how the driver tells a finished task from one cancelled or killed by Slurm
 * (those write nothing). Accounting (sacct) is not needed, so any Slurm setup works.
 */
export function sbatchScript(plan: RunPlan, resources: SlurmResources): string {
  const name = `activeem-${plan.command[0]}`
  const directives = [
    `--job-name=${name}`,
    `--array=0-${plan.jobs - 1}`,
    `--output=${taskLog(plan.dir)}`,
    `--chdir=${plan.cwd}`,
    ...(resources.partition ? [`--partition=${resources.partition}`] : []),
    ...(resources.account ? [`--account=${resources.account}`] : []),
    ...(resources.time ? [`--time=${resources.time}`] : []),
    ...(resources.mem ? [`--mem=${resources.mem}`] : []),
    ...(resources.gpus ? [`--gpus=${resources.gpus}`] : []),
    ...(resources.cpusPerTask ? [`--cpus-per-task=${resources.cpusPerTask}`] : []),
  ]
  const exit = shellQuote(join(plan.dir, 'task-'))
  return [
    '#!/bin/bash',
    `# ActiveEM: ${plan.command[0]} as ${plan.jobs} blocks; written by \`activeem cluster run\`.`,
    ...directives.map((d) => `#SBATCH ${d}`),
    '',
    'i=$SLURM_ARRAY_TASK_ID',
    `${shellLine([...plan.activeem, ...plan.command])} --block "$i/${plan.jobs}"`,
    'code=$?',
    `echo "$code" > ${exit}"$i.exit.part" && mv ${exit}"$i.exit.part" ${exit}"$i.exit"`,
    'exit "$code"',
    '',
  ].join('\n')
}
