import { createHash } from 'node:crypto'
import { cpSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../errors.ts'
import { Job, runJob, type ProgressEvent } from '../jobs/index.ts'
import type { StageOptions } from '../stage-options.ts'
import { proposalSet, readPatches, type PatchSet, type ProposalSet } from '../proposals/index.ts'
import type { Project } from '../store/index.ts'
import { createRng } from '../random.ts'
import { openVolume, type Volume } from '../volume/index.ts'
import { tf } from '../tensor/index.ts'
import { writeFeatures } from './features.ts'
import {
  disposeVae,
  loadVae,
  readVaeConfig,
  trainVae,
  vaeFeatures,
  type PatchBatchSource,
  type TrainVaeResult,
} from './train-vae.ts'
import { VAE_DEFAULTS, validateVaeConfig, type VaeConfig, type VaeKind, type VaeWeights } from './vae.ts'

export interface EmbedOptions extends StageOptions {
  project: Project
  /** Proposal set; default: the newest. */
  set?: number
  epochs?: number
  maskLatent?: number
  imageLatent?: number
  /** Image patches sampled uniformly from the whole raw volume, besides the ROIs' own. */
  imageSamples?: number
  klWeight?: number
  loss?: 'l1' | 'mse'
  seed?: number
  /**
   * A trained image VAE (Eu) to use as it is instead of training one: a campaign's next round keeps the
   * Eu the triplet loss tuned on the answers, so its clusters follow what the annotators told apart.
   */
  imageVae?: string
  /**
   * Folder for the VAEs and features.h5; default the set's own folder. Other folders hold embeddings
   * the set does not use (simulate's embedding seeds).
   */
  out?: string
}

export interface EmbedResult {
  set: number
  rois: number
  features: string
  mask: TrainVaeResult & { latent: number; patches: number }
  image: TrainVaeResult & { latent: number; patches: number; reusedFrom?: string }
  seconds: number
  jobId: number
}

export function featuresFile(project: Project, set: ProposalSet): string {
  return join(project.dir, set.dir, 'features.h5')
}

/** Patch values scaled to [-1, 1]: masks keep their 0 / 1 / -1 codes, uint8 images map 0..255 linearly. */
function maskSource(p: PatchSet): PatchBatchSource {
  return { n: p.roi.length, size: p.size, data: Float32Array.from(p.mask) }
}

/** The ROIs' aligned image patches as the image VAE sees them. */
export function roiImageSource(p: PatchSet): PatchBatchSource {
  return { n: p.roi.length, size: p.size, data: Float32Array.from(p.image, imageScale(p)) }
}

function imageScale(p: PatchSet): (v: number) => number {
  if (p.image instanceof Uint8Array) return (v) => v / 127.5 - 1
  let lo = Infinity
  let hi = -Infinity
  for (const v of p.image) {
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  const span = hi > lo ? hi - lo : 1
  return (v) => Math.max(-1, Math.min(1, ((v - lo) / span) * 2 - 1))
}

/**
 * Random size x size patches from random z-slices of the raw volume (the image stream learns the whole
 * volume's appearance, not only the ROIs').
 */
async function randomPatches(
  raw: Volume,
  count: number,
  size: number,
  seed: number,
  scale: (v: number) => number,
): Promise<Float32Array> {
  const [nz, ny, nx] = raw.shape
  if (ny < size || nx < size)
    throw new InputError(`${raw.spec}: slices of ${ny}x${nx} are smaller than the ${size}-pixel patches`)
  const rng = createRng(seed)
  const out = new Float32Array(count * size * size)
  for (let i = 0; i < count; i++) {
    const z = rng.int(0, nz)
    const y = rng.int(0, ny - size + 1)
    const x = rng.int(0, nx - size + 1)
    const v = await raw.readRegion({ z0: z, z1: z + 1, y0: y, y1: y + size, x0: x, x1: x + size })
    for (let k = 0; k < size * size; k++) out[i * size * size + k] = scale(Number(v[k]!))
  }
  return out
}

/** What the image VAE learns from: the ROIs' own patches, then `samples` random ones of the raw volume. */
async function imageTrainingSet(
  rawSpec: string,
  roiImages: Float32Array,
  samples: number,
  size: number,
  seed: number,
  scale: (v: number) => number,
): Promise<PatchBatchSource> {
  const raw = await openVolume(rawSpec)
  let sampled: Float32Array
  try {
    sampled = await randomPatches(raw, samples, size, seed, scale)
  } finally {
    raw.close()
  }
  const data = new Float32Array(roiImages.length + sampled.length)
  data.set(roiImages)
  data.set(sampled, roiImages.length)
  return { n: data.length / (size * size), size, data }
}

/**
 * One stream's VAE: its kind's defaults at the set's patch size with what the options set (the job key
 * hashes the config, so keys keep the defaults' order and an option left out adds none).
 */
function streamConfig(kind: VaeKind, size: number, latent: number | undefined, o: EmbedOptions): VaeConfig {
  return {
    ...VAE_DEFAULTS[kind],
    size,
    ...(latent !== undefined ? { latent } : {}),
    ...(o.klWeight !== undefined ? { klWeight: o.klWeight } : {}),
    ...(o.loss ? { loss: o.loss } : {}),
  }
}

/**
 * The two streams for a proposal set: the mask VAE (Es) on the aligned mask patches, the image VAE (Eu)
 * on image patches from the whole volume plus the ROIs' aligned image patches; the ROIs' features are
 * the mean vectors, written to the set's features.h5. Each VAE checkpoints every epoch in the set's
 * folder, so an interrupted run resumes.
 */
export async function embedSet(o: EmbedOptions): Promise<EmbedResult> {
  const set = proposalSet(o.project, o.set)
  if (!set)
    throw new InputError(
      o.set === undefined
        ? `${o.project.dir}: no proposal set; run 'activeem proposals' first`
        : `--set ${o.set}: no such proposal set in ${o.project.dir}`,
    )
  if (set.count < 2)
    throw new InputError(`proposal set ${set.id} has ${set.count} ROI(s); embedding needs at least 2`)
  const patches = await readPatches(join(o.project.dir, set.dir, 'patches.h5'))
  const dir = o.out ?? join(o.project.dir, set.dir)
  const size = patches.size
  const epochs = o.epochs ?? 20
  const seed = o.seed ?? 0
  const mask = streamConfig('mask', size, o.maskLatent, o)
  const image = streamConfig('image', size, o.imageLatent, o)
  const reused = o.imageVae === undefined ? null : readVaeConfig(o.imageVae)
  if (reused) {
    if (reused.size !== size)
      throw new InputError(
        `image VAE ${o.imageVae}: made for ${reused.size}-pixel patches, the set has ${size}`,
      )
    Object.assign(image, reused)
  }
  validateVaeConfig(mask)
  validateVaeConfig(image)
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new InputError(`--epochs: expected an integer >= 1, got ${epochs}`)
  const samples = o.imageSamples ?? Math.max(256, 2 * set.count)
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        set.id,
        epochs,
        mask,
        image,
        samples,
        seed,
        ...(o.imageVae ? [o.imageVae] : []),
        ...(o.out ? [o.out] : []),
      ]),
    )
    .digest('hex')
    .slice(0, 32)
  const job = Job.startOrResume(o.project, 'embed', key, {
    set: set.id,
    epochs,
    mask,
    image,
    samples,
    seed,
    ...(o.imageVae ? { imageVae: o.imageVae } : {}),
    ...(o.out ? { out: o.out } : {}),
  })
  job.event(`tensor backend: ${tf.getBackend()}`)
  const started = performance.now()
  return runJob(
    job,
    async () => {
      if (!set.raw) throw new InputError(`proposal set ${set.id} records no raw volume`)
      const scale = imageScale(patches)
      const n = patches.roi.length
      const roiImages = Float32Array.from(patches.image, scale)
      // A reused Eu is not trained: nothing of the volume is read for it.
      const imageTraining = o.imageVae
        ? null
        : await imageTrainingSet(set.raw, roiImages, samples, size, seed + 17, scale)

      const parts = o.imageVae ? 1 : 2
      const report = (part: number) => (e: ProgressEvent) => {
        const fraction = (part + e.fraction) / parts
        job.report({ ...e, fraction, etaSeconds: null })
        o.onProgress?.({ ...e, fraction })
      }
      const m = await trainVae({
        config: mask,
        patches: maskSource(patches),
        epochs,
        seed,
        dir: join(dir, 'vae-mask'),
        onProgress: report(0),
        signal: o.signal,
      })
      const maskFeatures = await vaeFeatures(mask, m.weights, maskSource(patches))
      disposeVae(m.weights)
      let i: { weights: VaeWeights; result: TrainVaeResult }
      if (o.imageVae) {
        // Copied in as the set's own Eu: tuning it again next round starts from what was learnt.
        cpSync(o.imageVae, join(dir, 'vae-image'), { recursive: true })
        const loaded = loadVae(join(dir, 'vae-image'))
        i = {
          weights: loaded.weights,
          result: {
            epochs: 0,
            resumedFromEpoch: 0,
            finalLoss: NaN,
            reconstruction: NaN,
            kl: NaN,
            samplesPerSecond: 0,
            seconds: 0,
          },
        }
      } else
        i = await trainVae({
          config: image,
          patches: imageTraining!,
          epochs,
          seed: seed + 1,
          dir: join(dir, 'vae-image'),
          onProgress: report(1),
          signal: o.signal,
        })
      const imageFeatures = await vaeFeatures(image, i.weights, { n, size, data: roiImages })
      disposeVae(i.weights)
      const file = join(dir, 'features.h5')
      await writeFeatures(
        file,
        {
          roi: patches.roi,
          mask: maskFeatures,
          maskDim: mask.latent,
          image: imageFeatures,
          imageDim: image.latent,
        },
        {
          set: set.id,
          mask,
          image,
          epochs,
          imageSamples: samples,
          seed,
          ...(o.imageVae ? { imageVae: o.imageVae } : {}),
        },
      )
      return {
        set: set.id,
        rois: n,
        features: file,
        mask: { ...m.result, latent: mask.latent, patches: n },
        image: {
          ...i.result,
          latent: image.latent,
          patches: o.imageVae ? 0 : n + samples,
          ...(o.imageVae ? { reusedFrom: o.imageVae } : {}),
        },
        seconds: (performance.now() - started) / 1000,
        jobId: job.id,
      }
    },
    (r) => `features of ${r.rois} ROIs (mask ${r.mask.latent}, image ${r.image.latent})`,
  )
}
