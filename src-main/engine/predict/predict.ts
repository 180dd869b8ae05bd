import { createHash } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { InputError } from '../errors.ts'
import { checkpointYield, Job, runJob, type ProgressEvent } from '../jobs/index.ts'
import { channelsOf, disposeWeights, forward, loadModel } from '../model/index.ts'
import type { Project } from '../store/index.ts'
import { tf } from '../tensor/index.ts'
import {
  blocks,
  openVolume,
  toNumberArrayView,
  ZarrV3Writer,
  type Region,
  type Shape3,
  type Volume,
  type ZarrArrayWriter,
} from '../volume/index.ts'
import { blendWeights, windowsForTile } from './windows.ts'

export interface PredictOptions {
  project: Project
  raw: string
  modelDir: string
  /** Output Zarr group; default: DIR/predictions/<name>.zarr */
  out?: string
  batchSize?: number
  signal?: AbortSignal
  onProgress?: (e: ProgressEvent) => void
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

/** Reads a window that may stick out of the volume: coordinates are clamped (edge replication). */
async function readClamped(volume: Volume, origin: Shape3, window: Shape3): Promise<Float32Array> {
  const r: Region = {
    z0: Math.max(0, origin[0]),
    z1: Math.min(volume.shape[0], origin[0] + window[0]),
    y0: Math.max(0, origin[1]),
    y1: Math.min(volume.shape[1], origin[1] + window[1]),
    x0: Math.max(0, origin[2]),
    x1: Math.min(volume.shape[2], origin[2] + window[2]),
  }
  const src = toNumberArrayView(await volume.readRegion(r))
  const [sz, sy, sx] = [r.z1 - r.z0, r.y1 - r.y0, r.x1 - r.x0]
  const out = new Float32Array(window[0] * window[1] * window[2])
  let i = 0
  for (let z = 0; z < window[0]; z++) {
    const zz = Math.min(sz - 1, Math.max(0, origin[0] + z - r.z0))
    for (let y = 0; y < window[1]; y++) {
      const yy = Math.min(sy - 1, Math.max(0, origin[1] + y - r.y0))
      const row = (zz * sy + yy) * sx
      for (let x = 0; x < window[2]; x++)
        out[i++] = src[row + Math.min(sx - 1, Math.max(0, origin[2] + x - r.x0))]!
    }
  }
  return out
}

function jobKey(raw: string, modelDir: string, out: string): string {
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
  const { meta, weights } = loadModel(o.modelDir)
  const volume = await openVolume(o.raw)
  const config = meta.config
  const channels = channelsOf(config)
  const window = config.window
  const overlap: Shape3 = [Math.floor(window[0] / 4), Math.floor(window[1] / 4), Math.floor(window[2] / 4)]
  const tileShape: Shape3 = [
    Math.min(volume.shape[0], Math.max(window[0], 16)),
    Math.min(volume.shape[1], 128),
    Math.min(volume.shape[2], 128),
  ]
  const out = resolve(o.out ?? join(o.project.dir, 'predictions', defaultOutputName(volume.spec, o.modelDir)))
  const key = jobKey(o.raw, o.modelDir, out)
  const resumable = Job.findUnfinished(o.project, 'predict', key)
  // Never overwrite a map this job did not start: it may be another volume's or the user's.
  if (!resumable && existsSync(out)) {
    volume.close()
    disposeWeights(weights)
    throw new InputError(`${out}: already exists; remove it or choose another --out`)
  }
  const job = Job.startOrResume(o.project, 'predict', key, { raw: o.raw, model: o.modelDir, out })
  const batchSize = o.batchSize ?? 2
  const blend = blendWeights(window)
  const winVoxels = window[0] * window[1] * window[2]
  const { mean, std } = meta.normalisation

  try {
    return await runJob(
      job,
      async () => {
        const writer = new ZarrV3Writer(out)
        const arrays: Record<string, ZarrArrayWriter> = {}
        if (!job.resumed || !existsSync(join(out, 'zarr.json'))) {
          await writer.group('', { model: meta.config, source: volume.spec, channels })
        }
        for (const name of channels) {
          arrays[name] = await writer.openOrCreate(name, {
            shape: volume.shape,
            chunks: tileShape,
            dtype: 'float32',
          })
        }
        const done = job.doneChunks()
        const tiles = [...blocks(volume.shape, tileShape)]
        const resumedTiles = tiles.filter((t) => done.has(tileKey(t))).length
        const t0 = performance.now()
        let computed = 0
        let voxelsDone = 0
        for (const tile of tiles) {
          if (done.has(tileKey(tile))) continue
          await checkpointYield(o.signal)
          const result = await predictTile(
            volume,
            tile,
            window,
            overlap,
            blend,
            winVoxels,
            batchSize,
            channels.length,
            (x) => tf.tidy(() => tf.sigmoid(forward(config, weights, x))),
            mean,
            std,
          )
          for (let c = 0; c < channels.length; c++) await arrays[channels[c]!]!.writeRegion(tile, result[c]!)
          job.chunkDone(tileKey(tile))
          computed++
          voxelsDone += result[0]!.length
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
    disposeWeights(weights)
  }
}

/** The probability maps become project volumes (role 'prediction'), once, so the UI and later stages find them. */
async function registerMaps(project: Project, out: string, channels: readonly string[]): Promise<void> {
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

function tileKey(t: Region): string {
  return `${t.z0},${t.y0},${t.x0}`
}

/** `<file>_<dataset>__<model>_<hash>.zarr`: readable, and distinct for same-named files in other folders. */
function defaultOutputName(spec: string, modelDir: string): string {
  const readable = spec.replace(/^.*\//, '').replace(/[^A-Za-z0-9._-]+/g, '_')
  const hash = createHash('sha256').update(resolve(spec)).digest('hex').slice(0, 8)
  return `${readable}__${basename(modelDir)}_${hash}.zarr`
}

async function predictTile(
  volume: Volume,
  tile: Region,
  window: Shape3,
  overlap: Shape3,
  blend: Float32Array,
  winVoxels: number,
  batchSize: number,
  channels: number,
  run: (x: tf.Tensor5D) => tf.Tensor5D,
  mean: number,
  std: number,
): Promise<Float32Array[]> {
  const ts: Shape3 = [tile.z1 - tile.z0, tile.y1 - tile.y0, tile.x1 - tile.x0]
  const n = ts[0] * ts[1] * ts[2]
  const acc = Array.from({ length: channels }, () => new Float32Array(n))
  const wsum = new Float32Array(n)
  const origins = windowsForTile(volume.shape, window, overlap, tile)
  for (let b = 0; b < origins.length; b += batchSize) {
    const group = origins.slice(b, b + batchSize)
    const input = new Float32Array(group.length * winVoxels)
    for (let g = 0; g < group.length; g++) {
      const win = await readClamped(volume, group[g]!, window)
      for (let i = 0; i < winVoxels; i++) input[g * winVoxels + i] = (win[i]! - mean) / std
    }
    const probs = run(tf.tensor5d(input, [group.length, ...window, 1]))
    const p = (await probs.data()) as Float32Array
    probs.dispose()
    for (let g = 0; g < group.length; g++) {
      const o = group[g]!
      for (let z = 0; z < window[0]; z++) {
        const tz = o[0] + z - tile.z0
        if (tz < 0 || tz >= ts[0]) continue
        for (let y = 0; y < window[1]; y++) {
          const ty = o[1] + y - tile.y0
          if (ty < 0 || ty >= ts[1]) continue
          for (let x = 0; x < window[2]; x++) {
            const tx = o[2] + x - tile.x0
            if (tx < 0 || tx >= ts[2]) continue
            const wi = (z * window[1] + y) * window[2] + x
            const ti = (tz * ts[1] + ty) * ts[2] + tx
            const w = blend[wi]!
            wsum[ti]! += w
            const base = (g * winVoxels + wi) * channels
            for (let c = 0; c < channels; c++) acc[c]![ti]! += w * p[base + c]!
          }
        }
      }
    }
  }
  if (wsum.some((w) => w === 0)) throw new Error(`tile ${tileKey(tile)} is not covered by windows`)
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) acc[c]![i]! /= wsum[i]!
  return acc
}
