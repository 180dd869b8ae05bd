import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InputError } from '../../engine/errors.ts'
import { initTensorEngine } from '../../engine/tensor/index.ts'
import { options as namedOptions, parse, parseChoice, parseIntList, parseInteger } from '../args.ts'
import { benchComponents } from './components.ts'
import { benchGrid, GRID_BENCH, gridPrerequisiteMissing } from './grid.ts'
import { benchKMeans } from './kmeans.ts'
import { benchLabels, benchLabelsApi } from './labels.ts'
import {
  BACKEND_CHOICES,
  PEER_DEVICES,
  PREDICT_SHAPE,
  PREDICT_SHAPE_QUICK,
  type BenchOptions,
} from './options.ts'
import { PYTHON } from './peers.ts'
import { benchPipeline, PIPELINE_BENCH } from './pipeline.ts'
import { benchPredict } from './predict.ts'
import { benchPredictBlocks } from './predict-blocks.ts'
import { benchStart } from './start.ts'
import { benchStats } from './stats.ts'
import { ANNOTATE_BENCH, benchAnnotate } from './annotate.ts'
import { benchUnet, unetConfig, unetSpec } from './unet.ts'
import { benchVae } from './vae.ts'
import { benchViewerPan, VIEWER_PAN_BENCH } from './viewer-pan.ts'
import { benchWebGpu } from './webgpu.ts'

export const usage =
  'activeem bench [--only unet|vae|stats|components|kmeans|labels|grid|annotate|viewer|pipeline|webgpu|predict|predict-blocks|start] ' +
  '[--backend auto|webgpu|wasm|cpu|tensorflow] [--peer-device cpu|cuda] [--predict-shape z,y,x] ' +
  '[--predict-batch N] [--quick] [--dir DIR] [--json]'

const ONLY = [
  'unet',
  'vae',
  'stats',
  'components',
  'kmeans',
  'labels',
  'grid',
  'annotate',
  'viewer',
  'pipeline',
  'webgpu',
  'predict',
  'predict-blocks',
  'start',
] as const

/**
 * Figures against the field's own tools, one JSON line each: {"name","ours_s","peer","peer_s","ratio"}.
 * Each stage adds its lines as it lands; ratios under 1 mean ActiveEM is faster.
 */
export async function bench(argv: string[]): Promise<void> {
  const { values } = parse(
    'bench',
    argv,
    namedOptions(['dir', 'only', 'backend', 'peer-device', 'predict-shape', 'predict-batch'], ['quick']),
    { min: 0, max: 0, usage },
  )
  const only = values.only
  if (only !== undefined && !(ONLY as readonly string[]).includes(only))
    throw new InputError(`--only: expected ${ONLY.join(', ')}, got '${only}'`)
  const options: BenchOptions = {
    backend: parseChoice('--backend', values.backend, BACKEND_CHOICES, 'auto'),
    peerDevice: parseChoice('--peer-device', values['peer-device'], PEER_DEVICES, 'cpu'),
    predictShape: values['predict-shape']
      ? (parseIntList('--predict-shape', values['predict-shape'], 3, 1) as [number, number, number])
      : values.quick
        ? PREDICT_SHAPE_QUICK
        : PREDICT_SHAPE,
    predictBatch:
      values['predict-batch'] !== undefined
        ? parseInteger('--predict-batch', values['predict-batch'], 2, 1, 64)
        : undefined,
    quick: values.quick === true,
  }
  const dir = values.dir ?? join(tmpdir(), 'activeem-bench')
  mkdirSync(dir, { recursive: true })
  if (only === undefined || only === 'start')
    for (const line of await benchStart()) process.stdout.write(`${JSON.stringify(line)}\n`)
  if (only === undefined || only === 'components') benchComponents(dir)
  if (only === undefined || only === 'unet') await benchUnet(options)
  if (only === 'predict') {
    const engine = await initTensorEngine({ backend: options.backend })
    const line = await benchPredict(unetConfig(unetSpec(options)), engine, options)
    process.stdout.write(`${JSON.stringify(line)}\n`)
  }
  if (only === 'predict-blocks') {
    // This process only makes the model's weights; the predict processes start their own engines.
    await initTensorEngine({ backend: options.backend })
    for (const line of await benchPredictBlocks(unetConfig(unetSpec(options)), options))
      process.stdout.write(`${JSON.stringify(line)}\n`)
  }
  if (only === undefined || only === 'vae') await benchVae(options)
  if (only === undefined || only === 'kmeans') await benchKMeans(dir, options)
  if (only === undefined || only === 'webgpu') await benchWebGpu()
  if (only === undefined || only === 'labels')
    for (const line of [...benchLabels(dir, PYTHON), ...(await benchLabelsApi(dir))])
      process.stdout.write(`${JSON.stringify(line)}\n`)
  if (only === undefined || only === 'grid') {
    // A first run right after `npm ci` has no built renderer: the full bench says so and goes on.
    const missing = gridPrerequisiteMissing()
    if (only === undefined && missing)
      process.stdout.write(`${JSON.stringify({ name: GRID_BENCH, skipped: missing })}\n`)
    else for (const line of await benchGrid()) process.stdout.write(`${JSON.stringify(line)}\n`)
  }
  if (only === undefined || only === 'annotate') {
    const missing = gridPrerequisiteMissing()
    if (only === undefined && missing)
      process.stdout.write(`${JSON.stringify({ name: ANNOTATE_BENCH, skipped: missing })}\n`)
    else for (const line of await benchAnnotate()) process.stdout.write(`${JSON.stringify(line)}\n`)
  }
  if (only === undefined || only === 'viewer') {
    const missing = gridPrerequisiteMissing()
    if (only === undefined && missing)
      process.stdout.write(`${JSON.stringify({ name: VIEWER_PAN_BENCH, skipped: missing })}\n`)
    else for (const line of await benchViewerPan()) process.stdout.write(`${JSON.stringify(line)}\n`)
  }
  if (only === undefined || only === 'pipeline') {
    const missing = gridPrerequisiteMissing()
    if (only === undefined && missing)
      process.stdout.write(`${JSON.stringify({ name: PIPELINE_BENCH, skipped: missing })}\n`)
    else for (const line of await benchPipeline()) process.stdout.write(`${JSON.stringify(line)}\n`)
  }
  if (only !== undefined && only !== 'stats') return
  await benchStats(dir)
}
