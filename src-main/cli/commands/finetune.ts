import { InputError } from '../../engine/errors.ts'
import { planFinetune, runFinetune } from '../../engine/finetune/index.ts'
import { CancelledError } from '../../engine/jobs/index.ts'
import { Project } from '../../engine/store/index.ts'
import { BACKEND_REQUESTS, initTensorEngine } from '../../engine/tensor/index.ts'
import { options, parse, parseChoice, parseInteger, parsePositiveNumbers } from '../args.ts'
import { cancelOnSignals, progressPrinter } from '../jobs.ts'
import { emit } from '../output.ts'

export const usage =
  'activeem finetune --project DIR [--model NAME] [--set N] [--iterations 100] [--ratio 0.25] [--propagated] [--name NAME] [--lr 0.0002] [--batch 2] [--seed N] [--backend auto|tensorflow|webgpu|wasm|cpu] [--json]'

const BACKENDS = BACKEND_REQUESTS

/**
 * Fine-tunes a model on the labelled ROIs of a proposal set mixed with its first labelled volume, into a
 * new model version (`<name>-ft<k>`); the model fine-tuned is left as it was.
 */
export async function finetune(argv: string[]): Promise<void> {
  const { values } = parse(
    'finetune',
    argv,
    options(
      ['project', 'model', 'set', 'name', 'iterations', 'ratio', 'lr', 'batch', 'seed', 'backend'],
      ['propagated'],
    ),
    { min: 0, max: 0, usage },
  )
  if (!values.project) throw new InputError(`finetune: --project is required; usage: ${usage}`)
  const ratio = values.ratio === undefined ? 0.25 : Number(values.ratio)
  if (!(ratio > 0 && ratio <= 1))
    throw new InputError(`--ratio '${values.ratio}': expected a number in (0, 1] (the share of ROI windows)`)
  const request = {
    ...(values.model !== undefined ? { model: values.model } : {}),
    ...(values.set !== undefined ? { set: parseInteger('--set', values.set, 1, 1) } : {}),
    ...(values.name !== undefined ? { name: values.name } : {}),
    propagated: Boolean(values.propagated),
    ratio,
    iterations: parseInteger('--iterations', values.iterations, 100, 1),
    batchSize: parseInteger('--batch', values.batch, 2, 1, 64),
    learningRate: values.lr !== undefined ? parsePositiveNumbers('--lr', values.lr, 1)[0]! : 2e-4,
    seed: parseInteger('--seed', values.seed, 1, 0, 2 ** 31),
  }
  const backend = parseChoice('--backend', values.backend, BACKENDS, 'auto')

  const project = Project.open(values.project)
  try {
    const plan = planFinetune(project, request)
    const engine = await initTensorEngine({ backend })
    let announced = Boolean(values.json)
    const announce = (): void => {
      if (!announced) process.stderr.write(`tensor backend: ${engine.backend} (${engine.reason})\n`)
      announced = true
    }
    const print = progressPrinter('finetune')
    const { record, result, job } = await runFinetune(project, plan, request, {
      signal: cancelOnSignals(),
      onJob: (j) => j.event(`tensor backend: ${engine.backend} (${engine.reason})`),
      onProgress: (e) => {
        announce()
        print(e)
      },
      onLog: (line) => {
        announce()
        if (!values.json) process.stderr.write(`${line}\n`)
      },
    }).catch((e: unknown) => {
      if (e instanceof CancelledError) {
        process.stderr.write(`cancelled; the checkpoint is saved: run the same command to resume\n`)
        process.exit(130)
      }
      throw e
    })
    const p = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(3))
    emit(
      values.json,
      {
        model: record.name,
        parent: plan.parent.name,
        set: plan.set.id,
        path: plan.dir,
        backend: engine.backend,
        jobId: job.id,
        ratio: request.ratio,
        propagated: request.propagated,
        ...result,
      },
      () =>
        [
          `fine-tuned '${plan.parent.name}' into '${record.name}': ${result.iterations} iterations in ${result.seconds.toFixed(0)} s on ${engine.backend}`,
          `  learnt from ${result.judged.correct} correct and ${result.judged.incorrect} incorrect ROIs of set ${plan.set.id}` +
            (result.baseVolume
              ? `, mixed ${request.ratio} : ${1 - request.ratio} with ${result.baseVolume}`
              : ''),
          `  mean probability in correct ROIs ${p(result.before.correct)} -> ${p(result.after.correct)}, in incorrect ROIs ${p(result.before.incorrect)} -> ${p(result.after.incorrect)}`,
          `  loss ${result.finalLoss.toFixed(4)}; saved in ${plan.dir}`,
        ].join('\n'),
    )
  } finally {
    project.close()
  }
}
