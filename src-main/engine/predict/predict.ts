import { createHash } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { InputError } from '../errors.ts'
import { checkpointYield, Job, runJob } from '../jobs/index.ts'
import type { StageOptions } from '../stage-options.ts'
import { channelsOf, readModelMeta, type ModelMeta } from '../model/index.ts'
import type { Project } from '../store/index.ts'
import { availableParallelism } from 'node:os'
import { maxBufferBytes, tf, type BackendName } from '../tensor/index.ts'
import {
  absoluteSpec,
  blocks,
  openVolume,
  ZarrV3Writer,
  type Region,
  type Shape3,
  type Volume,
} from '../volume/index.ts'
import { runTilesInWorkers } from './pool.ts'
import { TilePredictor, tileKey, type TileJob } from './tile.ts'

export interface PredictOptions extends StageOptions {
  project: Project
  raw: string
  modelDir: string
  /** Output Zarr group; default: DIR/predictions/<name>.zarr */
  out?: string
  batchSize?: number
  /** Worker threads, one tensor engine each; default: the machine's cores. 1 = in this thread. */
  workers?: number
}

export interface PredictResult {
  out: string
  arrays: Record<string, string>
  shape: Shape3
  tiles: number
  resumedTiles: number
  seconds: number
  voxelsPerSecond: number
  jobId: number
}

/** The project's job key of a prediction: also the run key that the blocks of one run share. */
export function jobKey(raw: string, modelDir: string, out: string): string {
  const weights = join(modelDir, 'weights.bin')
  const stamp = existsSync(weights) ? `${statSync(weights).size}:${statSync(weights).mtimeMs}` : ''
  return createHash('sha256')
    .update(JSON.stringify([resolve(raw), resolve(modelDir), stamp, resolve(out)]))
    .digest('hex')
    .slice(0, 32)
}

/**
 * Sliding-window prediction with overlap and smooth blending, written tile by tile (one output chunk
 * each) to a Zarr v3 group, one float32 array per channel. Each tile blends every window of one global
 * grid that touches it, so the map is the same however the run was interrupted; finished tiles are
 * recorded in the project and skipped on resume. Memory is bounded by a tile and its windows.
 */
export async function predictVolume(o: PredictOptions): Promise<PredictResult> {
  const meta = readModelMeta(o.modelDir)
  const volume = await openVolume(o.raw)
  const config = meta.config
  const channels = channelsOf(config)
  const window = config.window
  const { chunkShape, tiles } = planTiles(volume.shape, window)
  const out = resolveOut(o.out, o.project.dir, volume.spec, o.modelDir)
  const key = jobKey(o.raw, o.modelDir, out)
  const resumable = Job.findUnfinished(o.project, 'predict', key)
  // Never overwrite a map this job did not start: it may be another volume's or the user's.
  if (!resumable && existsSync(out)) {
    volume.close()
    throw new InputError(`${out}: already exists; remove it or choose another --out`)
  }
  const job = Job.startOrResume(o.project, 'predict', key, { raw: o.raw, model: o.modelDir, out })
  const backend = currentBackend()
  const batchSize = o.batchSize ?? defaultBatch(backend, config.window, config.width)

  try {
    return await runJob(
      job,
      async () => {
        await prepareOutput(
          out,
          volume,
          meta,
          chunkShape,
          !job.resumed || !existsSync(join(out, 'zarr.json')),
        )
        const done = job.doneChunks()
        const todo = tiles.filter((t) => !done.has(tileKey(t)))
        const resumedTiles = tiles.length - todo.length
        const t0 = performance.now()
        let computed = 0
        let voxelsDone = 0
        const finished = (key: string, voxels: number): void => {
          job.chunkDone(key)
          computed++
          voxelsDone += voxels
          const fraction = (resumedTiles + computed) / tiles.length
          job.progress(fraction, `tile ${resumedTiles + computed}/${tiles.length}`)
          const seconds = (performance.now() - t0) / 1000
          o.onProgress?.({
            fraction,
            message: `tile ${resumedTiles + computed}/${tiles.length}`,
            voxelsPerSecond: voxelsDone / seconds,
            etaSeconds: ((tiles.length - resumedTiles - computed) * seconds) / computed,
          })
        }
        const tileJob: TileJob = { raw: o.raw, modelDir: o.modelDir, out, chunkShape, batchSize }
        await computeTiles(tileJob, backend, o.workers, todo, finished, o.signal)
        const seconds = (performance.now() - t0) / 1000
        await registerMaps(o.project, out, channels)
        return {
          out,
          arrays: Object.fromEntries(channels.map((c) => [c, `${out}#${c}`])),
          shape: volume.shape,
          tiles: tiles.length,
          resumedTiles,
          seconds,
          voxelsPerSecond: seconds > 0 ? voxelsDone / seconds : 0,
          jobId: job.id,
        }
      },
      (r) => `${r.tiles} tiles (${r.resumedTiles} from an earlier run) in ${r.seconds.toFixed(1)} s`,
    )
  } finally {
    volume.close()
  }
}

/** The output chunks, and the tiles (unions of whole chunks, in raster order) that the work is split into. */
export function planTiles(shape: Shape3, window: Shape3): { chunkShape: Shape3; tiles: Region[] } {
  const chunkShape: Shape3 = [
    Math.min(shape[0], Math.max(window[0], 16)),
    Math.min(shape[1], 128),
    Math.min(shape[2], 128),
  ]
  // A tile computes every window of the grid that touches it, so a window on a tile border is computed
  // once per tile: tiles of whole chunks spanning about 2 windows in z and 4 in y and x keep that
  // recomputation small (16x128x128 windows: 2.3x less work than chunk-sized tiles), in bounded memory.
  const span = [2, 4, 4]
  const tileShape = chunkShape.map((c, a) =>
    Math.min(shape[a]!, c * Math.max(1, Math.ceil((span[a]! * window[a]!) / c))),
  ) as Shape3
  return { chunkShape, tiles: [...blocks(shape, tileShape)] }
}

export function resolveOut(
  out: string | undefined,
  projectDir: string,
  spec: string,
  modelDir: string,
): string {
  return resolve(out ?? join(projectDir, 'predictions', defaultOutputName(spec, modelDir)))
}

/** Creates the output group and arrays, or reopens them: identical metadata whichever process comes first. */
export async function prepareOutput(
  out: string,
  volume: Volume,
  meta: ModelMeta,
  chunkShape: Shape3,
  writeGroup: boolean,
): Promise<void> {
  // Created before any worker starts, so workers only ever open them.
  const writer = new ZarrV3Writer(out)
  if (writeGroup) {
    // Absolute, so later stages (proposals) find the raw volume from any working folder; with its box,
    // so what they find is placed in the array where it was predicted, not at the array's origin.
    const source = absoluteSpec(volume)
    await writer.group('', { model: meta.config, source, channels: channelsOf(meta.config) })
  }
  for (const name of channelsOf(meta.config))
    await writer.openOrCreate(name, { shape: volume.shape, chunks: chunkShape, dtype: 'float32' })
}

/**
 * Computes and writes `todo`, in worker threads or in this one; `finished` is called once a tile's
 * chunks are written. Each tile's values depend only on the tile, the model and the batch size, never
 * on which process or thread computed it, so any split of the tiles gives the same map.
 */
export async function computeTiles(
  tileJob: TileJob,
  backend: BackendName,
  workerCount: number | undefined,
  todo: Region[],
  finished: (key: string, voxels: number) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  // A GPU backend is one device for the process: its work is already parallel.
  const workers = backend === 'wasm' || backend === 'cpu' ? (workerCount ?? availableParallelism()) : 1
  if (workers > 1 && todo.length > 1) {
    await runTilesInWorkers(tileJob, backend, workers, todo, finished, () => signal?.aborted ?? false)
    await checkpointYield(signal)
    return
  }
  const predictor = await TilePredictor.open(tileJob)
  // A tile is written while the next one computes; it counts as done only once written.
  let writing: Promise<void> = Promise.resolve()
  try {
    for (const tile of todo) {
      await checkpointYield(signal)
      const result = await predictor.compute(tile)
      await writing
      writing = predictor.write(tile, result).then((voxels) => finished(tileKey(tile), voxels))
    }
    await writing
  } finally {
    await writing.catch(() => undefined)
    predictor.close()
  }
}

/** The probability maps become project volumes (role 'prediction'), once, so the UI and later stages find them. */
export async function registerMaps(
  project: Project,
  out: string,
  channels: readonly string[],
): Promise<void> {
  const known = new Set(project.volumes().map((v) => v.source))
  for (const channel of channels) {
    const spec = `${out}#${channel}`
    if (known.has(spec)) continue
    const map = await openVolume(spec)
    try {
      const taken = new Set(project.volumes().map((v) => v.name))
      let name = `${basename(out, '.zarr')}/${channel}`
      for (let i = 2; taken.has(name); i++) name = `${basename(out, '.zarr')}/${channel}-${i}`
      project.addVolume(map, { role: 'prediction', name })
    } finally {
      map.close()
    }
  }
}

/** Workers start the backend this thread runs, so a --backend choice holds for them too. */
export function currentBackend(): BackendName {
  const name = tf.getBackend()
  return name === 'tensorflow' || name === 'cpu' || name === 'webgpu' ? name : 'wasm'
}

/**
 * Windows per forward pass. On the CPU backends 2 (more buys nothing, as the cores are split by tiles);
 * on a GPU as many as keep the largest activation (the top level's concatenated skip, 2 x width
 * channels) within a quarter of the largest buffer the device takes, up to 16.
 */
export function defaultBatch(backend: BackendName, window: readonly number[], width: number): number {
  if (backend === 'wasm' || backend === 'cpu') return 2
  const largest = maxBufferBytes() ?? 256 * 2 ** 20
  const perWindow = window.reduce((a, b) => a * b, 1) * 2 * width * 4
  return Math.max(1, Math.min(16, Math.floor(largest / 4 / perWindow)))
}

/** `<file>_<dataset>__<model>_<hash>.zarr`: readable, and distinct for same-named files in other folders. */
function defaultOutputName(spec: string, modelDir: string): string {
  const readable = spec.replace(/^.*\//, '').replace(/[^A-Za-z0-9._-]+/g, '_')
  const hash = createHash('sha256').update(resolve(spec)).digest('hex').slice(0, 8)
  return `${readable}__${basename(modelDir)}_${hash}.zarr`
}
