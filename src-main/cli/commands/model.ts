import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { InputError } from '../../engine/errors.ts'
import {
  channelsOf,
  disposeWeights,
  findModel,
  listModels,
  modelDir,
  readLayersModel,
  recordModel,
  saveModel,
  TASKS,
  type Task,
} from '../../engine/model/index.ts'
import { Project } from '../../engine/store/index.ts'
import { initTensorEngine } from '../../engine/tensor/index.ts'
import { options, parse, parseChoice } from '../args.ts'
import { emit } from '../output.ts'

const USAGE = {
  import:
    'activeem model import --project DIR --from MODEL.json --name NAME [--task synapse|mito] [--mean M --std S] [--json]',
  list: 'activeem model list --project DIR [--json]',
}
export const usage = Object.values(USAGE).join('\n       ')

export async function model(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv
  if (sub === '--help' || sub === '-h') {
    process.stdout.write(`usage: ${usage}\n`)
    return
  }
  if (sub === 'import') return importModel(rest)
  if (sub === 'list') return list(rest)
  throw new InputError(`model: expected a subcommand import or list; usage: ${usage}`)
}

function number(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const v = Number(text)
  if (text.trim() === '' || !Number.isFinite(v))
    throw new InputError(`--${flag} '${text}': expected a number`)
  return v
}

async function importModel(argv: string[]): Promise<void> {
  const { values } = parse(
    'model import',
    argv,
    options(['project', 'from', 'name', 'task', 'mean', 'std']),
    { min: 0, max: 0, usage: USAGE.import },
  )
  if (!values.project) throw new InputError(`model import: --project DIR is required; usage: ${USAGE.import}`)
  if (!values.from)
    throw new InputError(`model import: --from MODEL.json is required; usage: ${USAGE.import}`)
  if (!values.name) throw new InputError(`model import: --name NAME is required; usage: ${USAGE.import}`)
  const task = values.task === undefined ? undefined : parseChoice<Task>('--task', values.task, TASKS, 'mito')
  const mean = number('mean', values.mean)
  const std = number('std', values.std)
  if ((mean === undefined) !== (std === undefined))
    throw new InputError('model import: give --mean and --std together')
  if (std !== undefined && std <= 0) throw new InputError(`--std ${std}: expected a positive number`)
  const project = Project.open(values.project)
  try {
    const dir = modelDir(project, values.name)
    if (findModel(project, values.name) || existsSync(dir))
      throw new InputError(`--name '${values.name}': the project already has a model of that name`)
    await initTensorEngine()
    const from = resolve(values.from)
    const imported = readLayersModel(from, task ? { task } : {})
    try {
      const normalisation = mean !== undefined ? { mean, std: std! } : imported.normalisation
      if (!normalisation) {
        throw new InputError(
          `${from}: say how the model expects intensities normalised: --mean and --std (raw values), ` +
            'or userDefinedMetadata.activeem.normalisation in model.json',
        )
      }
      await saveModel(
        dir,
        {
          config: imported.config,
          normalisation,
          trainedChannels: [...channelsOf(imported.config)],
          trainedOn: { importedFrom: from },
        },
        imported.weights,
      )
      const record = recordModel(project, values.name, imported.config, { importedFrom: from })
      emit(
        values.json,
        {
          model: record.name,
          path: dir,
          config: imported.config,
          normalisation,
          weights: imported.weights.size,
        },
        () =>
          `imported '${record.name}' (${imported.config.task}, width ${imported.config.width}, depth ${imported.config.depth}, ${imported.weights.size} weights) into ${dir}`,
      )
    } finally {
      disposeWeights(imported.weights)
    }
  } finally {
    project.close()
  }
}

function list(argv: string[]): void {
  const { values } = parse('model list', argv, options(['project']), { min: 0, max: 0, usage: USAGE.list })
  if (!values.project) throw new InputError(`model list: --project DIR is required; usage: ${USAGE.list}`)
  const project = Project.open(values.project)
  try {
    const models = listModels(project)
    emit(values.json, { models }, () =>
      models.length === 0
        ? 'no models'
        : models.map((m) => `${m.name}  ${m.task}  ${m.path}  ${m.createdAt}`).join('\n'),
    )
  } finally {
    project.close()
  }
}
