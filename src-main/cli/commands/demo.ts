import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { InputError } from '../../engine/errors.ts'
import { Project } from '../../engine/store/index.ts'
import { computeStats, openVolume } from '../../engine/volume/index.ts'
import { options, parse, parseIntList, parseInteger } from '../args.ts'
import { emit, shapeText } from '../output.ts'
import { progressPrinter } from '../jobs.ts'
import { evaluate } from '../../engine/eval/index.ts'
import { defaultConfig, modelDir, recordModel } from '../../engine/model/index.ts'
import { predictVolume } from '../../engine/predict/index.ts'
import { embedSet } from '../../engine/embed/index.ts'
import { simulateCampaigns } from '../../engine/campaign/index.ts'
import { runProposals } from '../../engine/proposals/index.ts'
import { simulate, STRATEGIES, suggestRound } from '../../engine/suggest/index.ts'
import { initTensorEngine } from '../../engine/tensor/index.ts'
import { trainModel } from '../../engine/train/index.ts'
import { campaignTable, simulationTable } from './simulate.ts'
import { DEFAULT_SYNTH_SHAPE, runSynth } from './synth.ts'

export const usage =
  'activeem demo [--out DIR] [--shape z,y,x] [--seed N] [--iterations N] [--epochs N] [--rounds 2] [--json]'

/** The demo's suggestion: N*M*Q queries per round, over the held-out volume's synapse proposals. */
const SUGGEST = { N: 8, M: 2, Q: 1 }

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
    options(['out', 'shape', 'seed', 'iterations', 'epochs', 'rounds']),
    { min: 0, max: 0, usage },
  )
  const out = resolve(values.out ?? 'activeem-demo')
  const shape = values.shape
    ? (parseIntList('--shape', values.shape, 3, 8) as [number, number, number])
    : DEFAULT_SYNTH_SHAPE
  const seed = parseInteger('--seed', values.seed, 1, 0, 2 ** 32 - 1)
  const iterations = parseInteger('--iterations', values.iterations, 300, 1)
  const epochs = parseInteger('--epochs', values.epochs, 5, 1)
  const rounds = parseInteger('--rounds', values.rounds, 2, 0, 20)
  prepareOut(out)
  const started = performance.now()
  // Each stage line says when it began, so the time of every stage reads off the next line.
  const log = (line: string): void => {
    const at = ((performance.now() - started) / 1000).toFixed(1).padStart(6)
    if (!values.json) process.stdout.write(`[${at} s] ${line}\n`)
  }

  log(`1/12 synthetic volume ${shapeText(shape)}, seed ${seed}`)
  const data = await runSynth(join(out, 'data'), shape, seed)
  writeFileSync(join(out, MARKER), 'made by activeem demo; a rerun replaces this folder\n')

  log('2/12 project')
  const project = Project.init(join(out, 'project'), 'ActiveEM demo')
  try {
    log('3/12 import raw and labels')
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

    log('4/12 info')
    const raw = await openVolume(`${data.hdf5}#raw`)
    const stats = await computeStats(raw).finally(() => raw.close())

    // The base model: a short fixed budget on the synthetic volume, then a volume it never saw.
    const engine = await initTensorEngine({ backend: 'auto' })
    log(`5/12 train the synapse model for ${iterations} iterations (tensor backend: ${engine.backend})`)
    const config = defaultConfig('synapse', { width: 8, depth: 2, window: [4, 64, 64] })
    const modelName = 'synapse-demo'
    const training = await trainModel({
      config,
      raw: `${data.hdf5}#raw`,
      labels: {
        labels: `${data.hdf5}#labels/clefts`,
        pre: `${data.hdf5}#labels/pre`,
        post: `${data.hdf5}#labels/post`,
      },
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

    log('6/12 predict a held-out synthetic volume (another seed)')
    const heldOut = await runSynth(join(out, 'held-out'), shape, seed + 1)
    const clefts = `${heldOut.hdf5}#labels/clefts`
    const prediction = await predictVolume({
      project,
      raw: `${heldOut.hdf5}#raw`,
      modelDir: modelDir(project, modelName),
      ...(values.json ? {} : { onProgress: progressPrinter('predict', 10_000) }),
    })

    log('7/12 evaluate')
    const score = await evaluate(prediction.arrays.union!, clefts, 'dice')
    log('8/12 ROI proposals: components of the map, synapse polarity, aligned patches')
    const proposals = await runProposals({ project, task: 'synapse' })

    // A model trained for a handful of iterations (the e2e test's) may propose too few ROIs to cluster.
    const enough = proposals.count >= SUGGEST.N * SUGGEST.M * SUGGEST.Q
    if (!enough) log(`9-12/12 skipped: ${proposals.count} ROIs are too few to suggest from`)
    const suggestion = enough ? await suggestStep(project, clefts, epochs, seed, log, !values.json) : null
    const campaign =
      enough && rounds > 0
        ? await campaignStep(project, {
            out,
            shape,
            seed,
            rounds,
            epochs,
            iterations: Math.max(1, Math.round(iterations / 3)),
            pool: heldOut.hdf5,
            log,
            progress: !values.json,
          })
        : null
    if (enough && rounds === 0) log('12/12 skipped: --rounds 0')
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
        ...(suggestion ?? { embedding: null, round: null, simulation: null }),
        campaign,
      },
      () =>
        [
          `project ${summary.dir}: ${summary.volumes.length} volumes`,
          ...summary.volumes.map((v) => `  ${v.name}  ${v.role}  ${shapeText(v.shape)} ${v.dtype}`),
          `raw intensity min ${stats.min} max ${stats.max} mean ${stats.mean.toFixed(2)}`,
          `${data.counts.synapses} synapses, ${data.counts.mitochondria} mitochondria in the ground truth`,
          `model '${modelName}': ${training.iterations} iterations in ${training.seconds.toFixed(0)} s on ${engine.backend}`,
          `prediction: ${prediction.out} (${(prediction.voxelsPerSecond / 1e3).toFixed(0)}k voxels/s)`,
          `held-out synaptic cleft Dice ${Number(score.dice).toFixed(3)}`,
          `ROI proposals: ${proposals.count} synapses (set ${proposals.set.id}), table ${proposals.csv}, aligned patches ${proposals.patches}`,
          ...(suggestion
            ? [
                `features: ${suggestion.embedding.features}`,
                `round ${suggestion.round.number}: ${suggestion.round.queries.length} queries stored in the project`,
                simulationTable(suggestion.simulation),
              ]
            : []),
          ...(campaign ? [campaignTable(campaign)] : []),
          `browse it: npx activeem serve --project ${summary.dir}`,
        ].join('\n'),
    )
  } finally {
    project.close()
  }
}

/** Steps 9-11: both streams, the first round of queries, and every strategy answered by the ground truth. */
async function suggestStep(
  project: Project,
  gt: string,
  epochs: number,
  seed: number,
  log: (line: string) => void,
  progress: boolean,
) {
  log(`9/12 embed: mask and image VAEs, ${epochs} epochs each`)
  const embedding = await embedSet({
    project,
    epochs,
    seed,
    ...(progress ? { onProgress: progressPrinter('embed', 10_000) } : {}),
  })
  log(`10/12 suggest: two-stream, N=${SUGGEST.N} M=${SUGGEST.M} Q=${SUGGEST.Q}`)
  const r = await suggestRound(project, 'two-stream', { ...SUGGEST, seed })
  log('11/12 simulate two rounds of every strategy, the ground truth answering (3 seeds)')
  const simulation = await simulate({
    project,
    gt,
    strategies: STRATEGIES,
    params: SUGGEST,
    rounds: 2,
    seeds: [seed, seed + 1, seed + 2],
  })
  const round = {
    number: r.number,
    queries: r.queries.map((q) => ({ roi: q.roi, cluster: q.cluster, distance: q.distance })),
    notes: r.notes,
  }
  return { embedding, round, simulation }
}

/**
 * Step 12: full rounds of active learning with the ground truth answering, two-stream against random:
 * the pool is the held-out volume, and after each round the fine-tuned model's proposals are judged on
 * a third volume that no step learns from (the paper's Table 1 protocol, as `simulate --finetune`).
 */
async function campaignStep(
  project: Project,
  o: {
    out: string
    shape: [number, number, number]
    seed: number
    rounds: number
    epochs: number
    iterations: number
    pool: string
    log: (line: string) => void
    progress: boolean
  },
) {
  o.log(
    `12/12 ${o.rounds} full rounds with the simulated oracle, two-stream and random (fine-tuning ${o.iterations} iterations a round); proposal accuracy on a third volume`,
  )
  const test = await runSynth(join(o.out, 'test'), o.shape, o.seed + 2)
  return simulateCampaigns({
    project,
    task: 'synapse',
    raw: `${o.pool}#raw`,
    gt: `${o.pool}#labels/clefts`,
    test: { raw: `${test.hdf5}#raw`, gt: `${test.hdf5}#labels/clefts` },
    strategies: ['two-stream', 'random'],
    rounds: o.rounds,
    params: { ...SUGGEST, epochs: o.epochs, iterations: o.iterations, ratio: 0.25, seed: o.seed },
    out: join(project.dir, 'campaigns'),
    ...(o.progress ? { onProgress: progressPrinter('campaign', 10_000) } : {}),
  })
}
