import {
  forward,
  loadModel,
  disposeWeights,
  channelsOf,
  type ModelMeta,
  type Weights,
} from '../model/index.ts'
import { tf } from '../tensor/index.ts'
import {
  openVolume,
  toNumberArrayView,
  ZarrV3Writer,
  type Region,
  type Shape3,
  type Volume,
  type ZarrArrayWriter,
} from '../volume/index.ts'
import { blendWeights, windowsForTile } from './windows.ts'

/** Everything a process (main or worker) needs to predict tiles of one run. Plain data: it crosses to workers. */
export interface TileJob {
  raw: string
  modelDir: string
  out: string
  /** The output arrays' chunks; tiles are unions of whole chunks, so no two tiles write one chunk. */
  chunkShape: Shape3
  batchSize: number
}

export function tileKey(t: Region): string {
  return `${t.z0},${t.y0},${t.x0}`
}

export function overlapOf(window: Shape3): Shape3 {
  return [Math.floor(window[0] / 4), Math.floor(window[1] / 4), Math.floor(window[2] / 4)]
}

/** One model, one volume, one output: computes a tile's blended probabilities and writes them. */
export class TilePredictor {
  private constructor(
    private readonly job: TileJob,
    private readonly meta: ModelMeta,
    private readonly weights: Weights,
    private readonly volume: Volume,
    private readonly arrays: ZarrArrayWriter[],
    private readonly blend: Float32Array,
  ) {}

  static async open(job: TileJob): Promise<TilePredictor> {
    const { meta, weights } = loadModel(job.modelDir)
    const volume = await openVolume(job.raw)
    const writer = new ZarrV3Writer(job.out)
    const arrays: ZarrArrayWriter[] = []
    for (const name of channelsOf(meta.config)) {
      arrays.push(
        await writer.openOrCreate(name, { shape: volume.shape, chunks: job.chunkShape, dtype: 'float32' }),
      )
    }
    return new TilePredictor(job, meta, weights, volume, arrays, blendWeights(meta.config.window))
  }

  /** Computes and writes one tile; returns its voxel count. */
  async run(tile: Region): Promise<number> {
    return this.write(tile, await this.compute(tile))
  }

  /** One tile's blended probabilities, a Float32Array per channel. */
  async compute(tile: Region): Promise<Float32Array[]> {
    const { config, normalisation } = this.meta
    return predictTile(
      this.volume,
      tile,
      config.window,
      overlapOf(config.window),
      this.blend,
      this.job.batchSize,
      this.arrays.length,
      (x) => tf.tidy(() => tf.sigmoid(forward(config, this.weights, x))),
      normalisation.mean,
      normalisation.std,
    )
  }

  /** Writes a computed tile (each channel's chunks); returns its voxel count. */
  async write(tile: Region, result: Float32Array[]): Promise<number> {
    for (let c = 0; c < this.arrays.length; c++) await this.arrays[c]!.writeRegion(tile, result[c]!)
    return result[0]!.length
  }

  close(): void {
    this.volume.close()
    disposeWeights(this.weights)
  }
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

async function predictTile(
  volume: Volume,
  tile: Region,
  window: Shape3,
  overlap: Shape3,
  blend: Float32Array,
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
  const winVoxels = window[0] * window[1] * window[2]
  const origins = windowsForTile(volume.shape, window, overlap, tile)
  const readBatch = async (b: number): Promise<Float32Array> => {
    const group = origins.slice(b, b + batchSize)
    const input = new Float32Array(group.length * winVoxels)
    for (let g = 0; g < group.length; g++) {
      const win = await readClamped(volume, group[g]!, window)
      for (let i = 0; i < winVoxels; i++) input[g * winVoxels + i] = (win[i]! - mean) / std
    }
    return input
  }
  let next = origins.length > 0 ? await readBatch(0) : null
  for (let b = 0; b < origins.length; b += batchSize) {
    const group = origins.slice(b, b + batchSize)
    const x = tf.tensor5d(next!, [group.length, ...window, 1])
    const probs = run(x)
    x.dispose()
    // A GPU backend computes while the next batch is read; the readback waits only for this batch.
    const [p] = await Promise.all([
      probs.data() as Promise<Float32Array>,
      b + batchSize < origins.length ? readBatch(b + batchSize).then((x) => void (next = x)) : null,
    ])
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
