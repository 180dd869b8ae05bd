import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { InputError } from '../../engine/errors.ts'
import { Project } from '../../engine/store/index.ts'
import { computeStats, openVolume } from '../../engine/volume/index.ts'
import { parse, parseInteger, parseIntList } from '../args.ts'
import { emit, shapeText } from '../output.ts'
import { progressPrinter } from '../jobs.ts'
import { evaluate } from '../../engine/eval/index.ts'
import { defaultConfig, modelDir, recordModel } from '../../engine/model/index.ts'
import { predictVolume } from '../../engine/predict/index.ts'
import { runProposals } from '../../engine/proposals/index.ts'
import { initTensorEngine } from '../../engine/tensor/index.ts'
import { trainModel } from '../../engine/train/index.ts'
import { DEFAULT_SYNTH_SHAPE, runSynth } from './synth.ts'

export const usage = 'activeem demo [--out DIR] [--shape z,y,x] [--seed N] [--iterations N] [--json]'

/** Marks a folder as the demo's own, so a rerun may replace it and never touches anything else. */
const MARKER = '.activeem-demo'

function prepareOut(out: string): void {
  if (!existsSync(out)) return
  if (existsSync(join(out, MARKER))) return rmSync(out, { recursive: true, force: true })
  if (readdirSync(out).length > 0)
    throw new InputError(`--out: ${out} exists and is not an earlier demo folder; choose another`)
}

/** The main job on the embedded default data; each pipeline stage extends it as it lands. */
export async function demo(argv: string[]): Promise<void> {
  const { values } = parse(
    'demo',
    argv,
    {
      out: { type: 'string' },
      shape: { type: 'string' },
      seed: { type: 'string' },
      iterations: { type: 'string' },
    },
    { min: 0, max: 0, usage },
  )
  const out = resolve(values.out ?? 'activeem-demo')
  const shape = values.shape
    ? (parseIntList('--shape', values.shape, 3, 8) as [number, number, number])
    : DEFAULT_SYNTH_SHAPE
  const seed = parseInteger('--seed', values.seed, 1, 0, 2 ** 32 - 1)
  const iterations = parseInteger('--iterations', values.iterations, 300, 1)
  prepareOut(out)
  const log = (line: string): void => {
    if (!values.json) process.stdout.write(`${line}\n`)
  }

  log(`1/8 synthetic volume ${shapeText(shape)}, seed ${seed}`)
  const data = await runSynth(join(out, 'data'), shape, seed)
  writeFileSync(join(out, MARKER), 'made by activeem demo; a rerun replaces this folder\n')

  log('2/8 project')
  const project = Project.init(join(out, 'project'), 'ActiveEM demo')
  try {
    log('3/8 import raw and labels')
    const imports: Array<[string, 'raw' | 'labels', string]> = [
      [`${data.hdf5}#raw`, 'raw', 'raw'],
      [`${data.hdf5}#labels/clefts`, 'labels', 'clefts'],
      [`${data.zarr}#labels/mito`, 'labels', 'mito'],
    ]
    for (const [spec, role, name] of imports) {
      const volume = await openVolume(spec)
      try {
        project.addVolume(volume, { role, name })
      } finally {
        volume.close()
      }
    }

    log('4/8 info')
    const raw = await openVolume(`${data.hdf5}#raw`)
    const stats = await computeStats(raw).finally(() => raw.close())

    // The base model: a short fixed budget on the synthetic volume, then a volume it never saw.
    const engine = await initTensorEngine({ backend: 'auto' })
    log(`5/8 train the mitochondria model for ${iterations} iterations (tensor backend: ${engine.backend})`)
    const config = defaultConfig('mito', { width: 8, depth: 2, window: [4, 64, 64] })
    const modelName = 'mito-demo'
    const training = await trainModel({
      config,
      raw: `${data.hdf5}#raw`,
      labels: { labels: `${data.hdf5}#labels/mito` },
      modelDir: modelDir(project, modelName),
      iterations,
      batchSize: 4,
      learningRate: 0.005,
      seed,
      ...(values.json ? {} : { onProgress: progressPrinter('train', 10_000) }),
    })
    recordModel(project, modelName, config, {
      validation: training.validation,
      finalLoss: training.finalLoss,
    })

    log('6/8 predict a held-out synthetic volume (another seed)')
    const heldOut = await runSynth(join(out, 'held-out'), [32, 160, 160], seed + 1)
    const prediction = await predictVolume({
      project,
      raw: `${heldOut.hdf5}#raw`,
      modelDir: modelDir(project, modelName),
      ...(values.json ? {} : { onProgress: progressPrinter('predict', 10_000) }),
    })

    log('7/8 evaluate')
    const score = await evaluate(prediction.arrays.mito!, `${heldOut.hdf5}#labels/mito`, 'dice')
    log('8/8 ROI proposals: components of the map, aligned patches')
    const proposals = await runProposals({ project, task: 'mito' })
    const summary = project.summary()
    const model = { name: modelName, backend: engine.backend, ...training }
    emit(
      values.json,
      {
        out,
        data,
        project: summary,
        stats: { raw: stats },
        model,
        prediction,
        evaluation: score,
        proposals: {
          set: proposals.set.id,
          count: proposals.count,
          csv: proposals.csv,
          labels: proposals.labels,
          patches: proposals.patches,
        },
      },
      () =>
        [
          `project ${summary.dir}: ${summary.volumes.length} volumes`,
          ...summary.volumes.map((v) => `  ${v.name}  ${v.role}  ${shapeText(v.shape)} ${v.dtype}`),
          `raw intensity min ${stats.min} max ${stats.max} mean ${stats.mean.toFixed(2)}`,
          `${data.counts.synapses} synapses, ${data.counts.mitochondria} mitochondria in the ground truth`,
          `model '${modelName}': ${training.iterations} iterations in ${training.seconds.toFixed(0)} s on ${engine.backend}`,
          `prediction: ${prediction.arrays.mito} (${(prediction.voxelsPerSecond / 1e3).toFixed(0)}k voxels/s)`,
          `held-out mitochondria Dice ${Number(score.dice).toFixed(3)}`,
          `ROI proposals: ${proposals.count} mitochondria (set ${proposals.set.id}), table ${proposals.csv}, aligned patches ${proposals.patches}`,
          `browse it: npx activeem serve --project ${summary.dir}`,
        ].join('\n'),
    )
  } finally {
    project.close()
  }
}
