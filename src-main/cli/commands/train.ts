import { InputError } from '../../engine/errors.ts'
import { CancelledError, Job, runJob } from '../../engine/jobs/index.ts'
import {
  defaultConfig,
  modelDir,
  recordModel,
  findModel,
  TASKS,
  type Task,
} from '../../engine/model/index.ts'
import { Project } from '../../engine/store/index.ts'
import { BACKEND_REQUESTS, initTensorEngine } from '../../engine/tensor/index.ts'
import { trainModel } from '../../engine/train/index.ts'
import { options, parse, parseChoice, parseIntList, parseInteger, parsePositiveNumbers } from '../args.ts'
import { cancelOnSignals, progressPrinter } from '../jobs.ts'
import { emit } from '../output.ts'

export const usage =
  'activeem train --project DIR --task synapse|mito --raw PATH#DS --labels PATH#DS [--pre PATH#DS --post PATH#DS] (--iterations N | --minutes M) [--name NAME] [--window z,y,x] [--width N] [--depth N] [--batch N] [--lr X] [--seed N] [--backend auto|tensorflow|webgpu|wasm|cpu] [--json]'

const BACKENDS = BACKEND_REQUESTS

export async function train(argv: string[]): Promise<void> {
  const { values } = parse(
    'train',
    argv,
    options([
      'project',
      'task',
      'raw',
      'labels',
      'pre',
      'post',
      'name',
      'iterations',
      'minutes',
      'window',
      'width',
      'depth',
      'batch',
      'lr',
      'seed',
      'backend',
    ]),
    { min: 0, max: 0, usage },
  )
  for (const flag of ['project', 'task', 'raw', 'labels'] as const) {
    if (!values[flag]) throw new InputError(`train: --${flag} is required; usage: ${usage}`)
  }
  if (values.iterations === undefined && values.minutes === undefined)
    throw new InputError('train: give --iterations N or --minutes M')
  const task = parseChoice<Task>('--task', values.task, TASKS, 'mito')
  const config = defaultConfig(task, {
    ...(values.window
      ? { window: parseIntList('--window', values.window, 3, 1) as [number, number, number] }
      : {}),
    ...(values.width ? { width: parseInteger('--width', values.width, 16, 2, 256) } : {}),
    ...(values.depth ? { depth: parseInteger('--depth', values.depth, 3, 1, 5) } : {}),
  })
  const iterations =
    values.iterations !== undefined ? parseInteger('--iterations', values.iterations, 0, 1) : undefined
  const minutes =
    values.minutes !== undefined ? parsePositiveNumbers('--minutes', values.minutes, 1)[0] : undefined
  const batchSize = parseInteger('--batch', values.batch, 2, 1, 64)
  const learningRate = values.lr !== undefined ? parsePositiveNumbers('--lr', values.lr, 1)[0] : undefined
  const seed = parseInteger('--seed', values.seed, 1, 0, 2 ** 31)
  const backend = parseChoice('--backend', values.backend, BACKENDS, 'auto')
  const name = values.name ?? task

  const project = Project.open(values.project!)
  try {
    const dir = modelDir(project, name)
    const existing = findModel(project, name)
    if (existing && existing.task !== task)
      throw new InputError(
        `--name '${name}': is a ${existing.task} model, not ${task}; choose another --name`,
      )
    const engine = await initTensorEngine({ backend })
    const params = {
      task,
      raw: values.raw,
      labels: values.labels,
      pre: values.pre,
      post: values.post,
      config,
      iterations,
      minutes,
      batchSize,
      seed,
    }
    const job = Job.startOrResume(project, 'train', `${name}:${JSON.stringify(params)}`, params)
    job.event(`tensor backend: ${engine.backend} (${engine.reason})`)
    // Said with the first progress, not before: bad input found while loading must stay one line.
    let announced = Boolean(values.json)
    const announce = (): void => {
      if (!announced) process.stderr.write(`tensor backend: ${engine.backend} (${engine.reason})\n`)
      announced = true
    }
    const signal = cancelOnSignals()
    const print = progressPrinter('train')
    const result = await runJob(
      job,
      () =>
        trainModel({
          config,
          raw: values.raw!,
          labels: {
            labels: values.labels!,
            ...(values.pre ? { pre: values.pre } : {}),
            ...(values.post ? { post: values.post } : {}),
          },
          modelDir: dir,
          ...(iterations !== undefined ? { iterations } : {}),
          ...(minutes !== undefined ? { minutes } : {}),
          batchSize,
          ...(learningRate !== undefined ? { learningRate } : {}),
          seed,
          signal,
          onProgress: (e) => {
            job.report(e)
            announce()
            print(e)
          },
          onLog: (line) => {
            job.event(line)
            announce()
            if (!values.json) process.stderr.write(`${line}\n`)
          },
        }),
      (r) => `${r.iterations} iterations, loss ${r.finalLoss.toFixed(4)}`,
    ).catch((e: unknown) => {
      if (e instanceof CancelledError) {
        process.stderr.write(`cancelled; the checkpoint is saved: run the same command to resume\n`)
        process.exit(130)
      }
      throw e
    })
    const record = recordModel(project, name, config, {
      validation: result.validation,
      finalLoss: result.finalLoss,
    })
    emit(
      values.json,
      { model: record.name, path: dir, backend: engine.backend, jobId: job.id, ...result },
      () =>
        [
          `trained '${record.name}' (${task}) for ${result.iterations} iterations in ${result.seconds.toFixed(0)} s on ${engine.backend}`,
          `  loss ${result.finalLoss.toFixed(4)}, validation ${JSON.stringify(result.validation?.dice ?? null)}`,
          `  ${result.channelNote}`,
          `  saved in ${dir}`,
        ].join('\n'),
    )
  } finally {
    project.close()
  }
}
