import { CancelledError } from '../../engine/jobs/index.ts'
import { resolveModel, TASKS, type Task } from '../../engine/model/index.ts'
import { mergePredictBlocks, predictBlock, predictVolume } from '../../engine/predict/index.ts'
import { Project } from '../../engine/store/index.ts'
import { BACKEND_REQUESTS, initTensorEngine } from '../../engine/tensor/index.ts'
import { InputError } from '../../engine/errors.ts'
import { join } from 'node:path'
import { options, parse, parseChoice, parseInteger } from '../args.ts'
import { blockMode } from '../block-flags.ts'
import { cancelOnSignals, progressPrinter } from '../jobs.ts'
import { emit } from '../output.ts'

export const usage =
  'activeem predict --project DIR --raw PATH#DS [--model NAME] [--task synapse|mito] [--out DIR.zarr] [--batch N] [--workers N] [--backend auto|tensorflow|webgpu|wasm|cpu] [--block i/n | --merge] [--json]'

export async function predict(argv: string[]): Promise<void> {
  const { values } = parse(
    'predict',
    argv,
    options(['project', 'raw', 'model', 'task', 'out', 'batch', 'workers', 'backend', 'block'], ['merge']),
    { min: 0, max: 0, usage },
  )
  if (!values.project || !values.raw)
    throw new InputError(`predict: --project and --raw are required; usage: ${usage}`)
  const task = values.task ? parseChoice<Task>('--task', values.task, TASKS, 'mito') : undefined
  const batchSize = values.batch !== undefined ? parseInteger('--batch', values.batch, 2, 1, 64) : undefined
  const workers =
    values.workers !== undefined ? parseInteger('--workers', values.workers, 1, 1, 256) : undefined
  const backend = parseChoice('--backend', values.backend, BACKEND_REQUESTS, 'auto')
  const mode = blockMode('predict', values)
  if (mode.kind === 'block') {
    // Many blocks run at once, maybe on a shared filesystem: the project is only read, for the model.
    const project = Project.openReadOnly(values.project)
    let model
    try {
      model = resolveModel(project, values.model, task)
    } finally {
      project.close()
    }
    const engine = await initTensorEngine({ backend })
    const result = await predictBlock({
      projectDir: project.dir,
      raw: values.raw,
      modelDir: join(project.dir, model.path),
      ...(values.out ? { out: values.out } : {}),
      ...(batchSize !== undefined ? { batchSize } : {}),
      ...(workers !== undefined ? { workers } : {}),
      part: mode.part,
      signal: cancelOnSignals(),
      onProgress: values.json ? undefined : progressPrinter('predict'),
    }).catch((e: unknown) => {
      if (e instanceof CancelledError) {
        process.stderr.write('cancelled; finished tiles are kept: run the same block again to resume\n')
        process.exit(130)
      }
      throw e
    })
    emit(values.json, { model: model.name, backend: engine.backend, ...result }, () =>
      result.alreadyDone
        ? `block ${result.block} of ${result.out}: already done`
        : `block ${result.block} of ${result.out}: ${result.tiles} tiles (${result.resumedTiles} resumed) in ${result.seconds.toFixed(1)} s, ${(result.voxelsPerSecond / 1e3).toFixed(1)}k voxels/s`,
    )
    return
  }
  const project = Project.open(values.project)
  if (mode.kind === 'merge') {
    try {
      const model = resolveModel(project, values.model, task)
      const result = await mergePredictBlocks({
        project,
        raw: values.raw,
        modelDir: join(project.dir, model.path),
        ...(values.out ? { out: values.out } : {}),
      })
      emit(values.json, { model: model.name, task: model.task, ...result }, () =>
        [
          `merged the blocks of ${result.out}: ${result.tiles} tiles, ${result.seconds.toFixed(1)} s of block time`,
          ...Object.entries(result.arrays).map(([c, spec]) => `  ${c}: ${spec}`),
        ].join('\n'),
      )
    } finally {
      project.close()
    }
    return
  }
  try {
    const model = resolveModel(project, values.model, task)
    const engine = await initTensorEngine({ backend })
    let announced = Boolean(values.json)
    const print = progressPrinter('predict')
    const signal = cancelOnSignals()
    const result = await predictVolume({
      project,
      raw: values.raw,
      modelDir: join(project.dir, model.path),
      ...(values.out ? { out: values.out } : {}),
      ...(batchSize !== undefined ? { batchSize } : {}),
      ...(workers !== undefined ? { workers } : {}),
      signal,
      onProgress: (e) => {
        // After the first tile, so bad input found while opening stays one `error:` line.
        if (!announced)
          process.stderr.write(
            `tensor backend: ${engine.backend} (${engine.reason}); model '${model.name}'\n`,
          )
        announced = true
        print(e)
      },
    }).catch((e: unknown) => {
      if (e instanceof CancelledError) {
        process.stderr.write('cancelled; finished tiles are kept: run the same command to resume\n')
        process.exit(130)
      }
      throw e
    })
    emit(values.json, { model: model.name, task: model.task, backend: engine.backend, ...result }, () =>
      [
        `predicted ${values.raw} with '${model.name}' on ${engine.backend}: ${result.tiles} tiles (${result.resumedTiles} resumed) in ${result.seconds.toFixed(1)} s`,
        `  ${(result.voxelsPerSecond / 1e3).toFixed(1)}k voxels/s`,
        ...Object.entries(result.arrays).map(([c, spec]) => `  ${c}: ${spec}`),
      ].join('\n'),
    )
  } finally {
    project.close()
  }
}
