import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  formatPart,
  isBlockDone,
  markerDir,
  partOf,
  requireAllBlocks,
  requireSameRun,
  writeMarker,
  type BlockPart,
} from '../block-jobs/index.ts'
import { InputError } from '../errors.ts'
import { Job, runJob } from '../jobs/index.ts'
import { channelsOf, readModelMeta } from '../model/index.ts'
import type { StageOptions } from '../stage-options.ts'
import type { Project } from '../store/index.ts'
import { openVolume, type Shape3 } from '../volume/index.ts'
import {
  computeTiles,
  currentBackend,
  defaultBatch,
  jobKey,
  planTiles,
  prepareOutput,
  registerMaps,
  resolveOut,
  type PredictResult,
} from './predict.ts'
import { tileKey, type TileJob } from './tile.ts'

const COMMAND = 'predict'

export interface PredictBlockOptions extends StageOptions {
  /** The project folder, for the default output path only: a block never opens its database for writing. */
  projectDir: string
  raw: string
  modelDir: string
  out?: string
  batchSize?: number
  workers?: number
  part: BlockPart
}

export interface PredictBlockResult {
  block: string
  out: string
  /** This block's tiles, those an earlier (killed) run of it had finished, and whether it was already done. */
  tiles: number
  resumedTiles: number
  alreadyDone: boolean
  seconds: number
  voxelsPerSecond: number
}

/** What a block's marker tells the merge: the blocks of one map must have computed alike. */
interface BlockFacts {
  tiles: number
  voxels: number
  seconds: number
  backend: string
  batchSize: number
}

function progressPath(out: string, part: BlockPart): string {
  return join(markerDir(out), `${COMMAND}-${part.index}-of-${part.count}.progress`)
}

/**
 * Progress files name their run on the first line. A killed block of another run leaves no marker,
 * only this file, so it is checked too before anything is written.
 */
function requireNoForeignProgress(out: string, key: string, part: BlockPart): void {
  const dir = markerDir(out)
  if (!existsSync(dir)) return
  for (const name of readdirSync(dir)) {
    const m = /^predict-(\d+)-of-(\d+)\.progress$/.exec(name)
    if (!m) continue
    const first = readFileSync(join(dir, name), 'utf8').split('\n', 1)[0]!
    // Empty: a block killed while creating it, which has written nothing yet.
    if (first !== '' && (first !== key || Number(m[2]) !== part.count))
      throw new InputError(
        `${out}: holds ${COMMAND} blocks of another run (block ${m[1]}/${m[2]} started, run ${first.slice(0, 8)}; this is block ${formatPart(part)} of run ${key.slice(0, 8)}); remove it or choose another --out`,
      )
  }
}

/** The tiles a killed run of this block had written; lines torn by the kill are not tiles and are ignored. */
function finishedTiles(path: string, key: string): Set<string> {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : ''
  if (text === '') {
    writeFileSync(path, `${key}\n`)
    return new Set()
  }
  return new Set(text.split('\n').slice(1))
}

/**
 * One block of a split prediction (`--block i/n`): the i-th contiguous run of the tiles in raster
 * order, each a union of whole output chunks, so no two blocks write one chunk; each tile reads the
 * raw windows it needs (its halo) itself. Blocks agree on the output and its metadata without talking:
 * both follow from the inputs alone and every file is written atomically. Progress goes to a file of
 * this block, the done-marker comes last, and the project database is never written.
 */
export async function predictBlock(o: PredictBlockOptions): Promise<PredictBlockResult> {
  const meta = readModelMeta(o.modelDir)
  const volume = await openVolume(o.raw)
  try {
    const { chunkShape, tiles } = planTiles(volume.shape, meta.config.window)
    const out = resolveOut(o.out, o.projectDir, volume.spec, o.modelDir)
    const key = jobKey(o.raw, o.modelDir, out)
    const block = formatPart(o.part)
    if (isBlockDone(out, COMMAND, key, o.part))
      return { block, out, tiles: 0, resumedTiles: 0, alreadyDone: true, seconds: 0, voxelsPerSecond: 0 }
    // Never write into a map that is not this run's blocks: it may be a whole run's, or the user's.
    // An empty folder is one another block has just made.
    if (existsSync(out) && !existsSync(markerDir(out)) && readdirSync(out).length > 0)
      throw new InputError(
        `${out}: already exists and holds no ${COMMAND} blocks; remove it or choose another --out`,
      )
    requireSameRun(out, COMMAND, key, o.part)
    requireNoForeignProgress(out, key, o.part)
    mkdirSync(markerDir(out), { recursive: true })
    const progress = progressPath(out, o.part)
    const done = finishedTiles(progress, key)
    const mine = partOf(tiles, o.part)
    const todo = mine.filter((t) => !done.has(tileKey(t)))
    await prepareOutput(out, volume, meta, chunkShape, true)

    const backend = currentBackend()
    const batchSize = o.batchSize ?? defaultBatch(backend, meta.config.window, meta.config.width)
    const t0 = performance.now()
    let computed = 0
    let voxels = 0
    const finished = (tile: string, n: number): void => {
      // After the tile's chunks are written: a kill before this line recomputes the tile, never skips it.
      appendFileSync(progress, `${tile}\n`)
      computed++
      voxels += n
      const seconds = (performance.now() - t0) / 1000
      o.onProgress?.({
        fraction: (mine.length - todo.length + computed) / mine.length,
        message: `block ${block}: tile ${mine.length - todo.length + computed}/${mine.length}`,
        voxelsPerSecond: voxels / seconds,
        etaSeconds: ((todo.length - computed) * seconds) / computed,
      })
    }
    const tileJob: TileJob = { raw: o.raw, modelDir: o.modelDir, out, chunkShape, batchSize }
    await computeTiles(tileJob, backend, o.workers, todo, finished, o.signal)
    const seconds = (performance.now() - t0) / 1000
    const facts: BlockFacts = { tiles: mine.length, voxels, seconds, backend, batchSize }
    writeMarker(out, COMMAND, key, o.part, facts)
    return {
      block,
      out,
      tiles: mine.length,
      resumedTiles: mine.length - todo.length,
      alreadyDone: false,
      seconds,
      voxelsPerSecond: seconds > 0 ? voxels / seconds : 0,
    }
  } finally {
    volume.close()
  }
}

export interface PredictMergeOptions {
  project: Project
  raw: string
  modelDir: string
  out?: string
}

/**
 * After every block (`--merge`): checks they are all there and computed alike, then does the one
 * thing that needs the whole map, registering it in the project as a finished predict job, as a
 * single-process run does (the window and `export` find predictions by their job).
 */
export async function mergePredictBlocks(o: PredictMergeOptions): Promise<PredictResult> {
  const meta = readModelMeta(o.modelDir)
  const volume = await openVolume(o.raw)
  let shape: Shape3
  let out: string
  let key: string
  try {
    shape = volume.shape
    out = resolveOut(o.out, o.project.dir, volume.spec, o.modelDir)
    key = jobKey(o.raw, o.modelDir, out)
  } finally {
    volume.close()
  }
  const markers = requireAllBlocks(out, COMMAND, key)
  const facts = markers.map((m) => m.result as BlockFacts)
  const kinds = new Set(facts.map((f) => `${f.backend} backend, batch ${f.batchSize}`))
  if (kinds.size > 1)
    throw new InputError(
      `${out}: its blocks were computed differently (${[...kinds].join('; ')}), so the map would differ from one run's; rerun them alike`,
    )
  const channels = channelsOf(meta.config)
  const tiles = planTiles(shape, meta.config.window).tiles.length
  const counted = facts.reduce((a, f) => a + f.tiles, 0)
  if (counted !== tiles)
    throw new InputError(
      `${out}: its blocks hold ${counted} tiles, the volume has ${tiles}; rerun the blocks`,
    )
  const voxels = facts.reduce((a, f) => a + f.voxels, 0)
  const seconds = facts.reduce((a, f) => a + f.seconds, 0)
  const job = Job.startOrResume(o.project, COMMAND, key, { raw: o.raw, model: o.modelDir, out })
  return runJob(
    job,
    async () => {
      await registerMaps(o.project, out, channels)
      job.progress(1, `${markers.length} blocks merged`, true)
      return {
        out,
        arrays: Object.fromEntries(channels.map((c) => [c, `${out}#${c}`])),
        shape,
        tiles,
        resumedTiles: 0,
        seconds,
        voxelsPerSecond: seconds > 0 ? voxels / seconds : 0,
        jobId: job.id,
      }
    },
    (r) => `${r.tiles} tiles in ${markers.length} blocks (${r.seconds.toFixed(1)} s of block time)`,
  )
}
