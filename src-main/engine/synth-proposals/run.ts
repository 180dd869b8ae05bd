import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { checkpointYield, Job, runJob } from '../jobs/index.ts'
import {
  proposalsCsv,
  saveProposalSet,
  writePatches,
  type PatchSet,
  type ProposalSet,
  type Roi,
} from '../proposals/index.ts'
import { createRng, hashSeed } from '../random.ts'
import { removeStaleStaging } from '../staging.ts'
import type { StageOptions } from '../stage-options.ts'
import type { Project } from '../store/index.ts'
import type { WrongGroup } from '../synth/index.ts'
import { ZarrV3Writer, type Shape3 } from '../volume/index.ts'
import { drawRois, newProposals, type SynthProposalOptions, type SynthProposals } from './generate.ts'
import { TRUTH_FILE, writeTruth } from './truth.ts'

export interface SynthProposalRun extends SynthProposalOptions, StageOptions {
  project: Project
}

export interface SynthProposalResult {
  set: ProposalSet
  rois: number
  /** The fraction of correct ROIs as drawn (round(p n) / n). */
  p: number
  wrong: WrongGroup[]
  /** The mosaic of thumbnails the set's ROIs are placed in (raw) and its truth mask (gt). */
  raw: string
  gt: string
  truth: string
  seconds: number
}

/** Tiles per row of a mosaic slice: about 1024 pixels wide. */
function tilesPerRow(size: number): number {
  return Math.max(1, Math.floor(1024 / size))
}

/**
 * The set's ROIs in a volume of their own: each thumbnail a tile of a mosaic slice (so embed samples
 * its image patches from a volume that looks like the ROIs', and the viewer and `--gt` find every ROI
 * at its box), plus the label volume of the set and the truth mask (correct ROIs' masks).
 */
async function writeMosaic(
  g: SynthProposals,
  files: { raw: string; labels: string },
  seed: number,
  signal?: AbortSignal,
): Promise<Array<Omit<Roi, 'setId'>>> {
  const s = g.size
  const n = g.kinds.length
  const per = tilesPerRow(s)
  const side = per * s
  const nz = Math.ceil(n / (per * per))
  const shape: Shape3 = [nz, side, side]
  const chunks: Shape3 = [1, Math.min(side, 256), Math.min(side, 256)]
  const rawWriter = new ZarrV3Writer(files.raw)
  await rawWriter.group('', { synthetic: 'synth-proposals', seed })
  const rawArray = await rawWriter.array('raw', { shape, chunks, dtype: 'uint8', compression: 'gzip' })
  const gtArray = await rawWriter.array('gt', { shape, chunks, dtype: 'uint8', compression: 'gzip' })
  const labelWriter = new ZarrV3Writer(files.labels)
  await labelWriter.group('', { source: files.raw, synthetic: 'synth-proposals' })
  const labelArray = await labelWriter.array('labels', {
    shape,
    chunks,
    dtype: 'uint32',
    compression: 'gzip',
  })
  const rois: Array<Omit<Roi, 'setId'>> = []
  const fill = createRng(hashSeed(seed, 0))
  const px = s * s
  for (let z = 0; z < nz; z++) {
    await checkpointYield(signal)
    // Tiles past the last ROI are plain cytoplasm with noise.
    const raw = Uint8Array.from({ length: side * side }, () => Math.round(171 + 12 * fill.normal()))
    const gt = new Uint8Array(side * side)
    const labels = new Uint32Array(side * side)
    for (let t = 0; t < per * per; t++) {
      const i = z * per * per + t
      if (i >= n) break
      const ty = Math.floor(t / per) * s
      const tx = (t % per) * s
      const id = i + 1
      let y0 = Infinity
      let x0 = Infinity
      let y1 = -Infinity
      let x1 = -Infinity
      let count = 0
      let sy = 0
      let sx = 0
      for (let y = 0; y < s; y++)
        for (let x = 0; x < s; x++) {
          const k = i * px + y * s + x
          const at = (ty + y) * side + tx + x
          raw[at] = g.thumbImage[k]!
          if (g.thumbMask[k] !== 1) continue
          labels[at] = id
          if (g.correct[i]) gt[at] = 1
          count++
          sy += ty + y
          sx += tx + x
          y0 = Math.min(y0, ty + y)
          x0 = Math.min(x0, tx + x)
          y1 = Math.max(y1, ty + y + 1)
          x1 = Math.max(x1, tx + x + 1)
        }
      const mean = g.meanP[i]!
      rois.push({
        id,
        z0: z,
        z1: z + 1,
        y0,
        y1,
        x0,
        x1,
        voxels: count,
        cz: z,
        cy: sy / count,
        cx: sx / count,
        mean,
        max: g.maxP[i]!,
        polarity: null,
        alignment: { row: i, slice: z, angleDeg: g.angleDeg[i]!, flipped: false, orientedBy: 'mask' },
      })
    }
    const region = { z0: z, z1: z + 1, y0: 0, y1: side, x0: 0, x1: side }
    await rawArray.writeRegion(region, raw)
    await gtArray.writeRegion(region, gt)
    await labelArray.writeRegion(region, labels)
  }
  return rois
}

/**
 * `activeem synth-proposals`: a proposal set of `rois` synthetic mitochondria ROIs with its ground
 * truth, recorded in the project like one `activeem proposals` cut (same tables, same set files:
 * patches.h5, rois.csv, labels.zarr) plus truth.json, which `simulate` reads when given no --gt.
 */
export async function runSynthProposals(o: SynthProposalRun): Promise<SynthProposalResult> {
  const started = performance.now()
  const wrong = [...new Set(o.wrong)]
  const options = { ...o, wrong }
  const g = newProposals(options)
  const n = g.kinds.length
  const s = g.size
  const params = {
    synthetic: 'synth-proposals',
    rois: n,
    p: o.p,
    wrong,
    seed: o.seed,
    patchSize: s,
    scale: 1,
    variant: 'paper',
  }
  // The mosaic is a function of the parameters alone: a second set made alike shares it.
  const key = createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 16)
  // A job like any stage's: its progress shows in the window, and cancel or a crash leaves nothing (the
  // same command draws the same set again).
  const job = Job.startOrResume(o.project, 'synth-proposals', key, params)
  const report = (fraction: number, message: string): void => {
    job.progress(fraction, message)
    o.onProgress?.({ fraction, message })
  }
  return runJob(
    job,
    async () => {
      for (let from = 0; from < n; from += DRAW_BATCH) {
        await checkpointYield(o.signal)
        drawRois(g, options, from, Math.min(n, from + DRAW_BATCH))
        const done = Math.min(n, from + DRAW_BATCH)
        report((0.8 * done) / n, `drew ${done} of ${n} ROIs`)
      }
      return writeSet(o, g, params, key, report, started)
    },
    (r) => `${r.rois} ROIs in set ${r.set.id}`,
  )
}

/** ROIs drawn between two looks at a cancel (a few hundred milliseconds of drawing). */
const DRAW_BATCH = 256

/** The drawn set written as a proposal set of the project, its truth beside it. */
async function writeSet(
  o: SynthProposalRun,
  g: SynthProposals,
  params: { rois: number; p: number; wrong: WrongGroup[]; seed: number; patchSize: number },
  key: string,
  report: (fraction: number, message: string) => void,
  started: number,
): Promise<SynthProposalResult> {
  const n = params.rois
  const s = params.patchSize
  const wrong = params.wrong
  const volumeDir = join(o.project.dir, 'synthetic', `proposals-${key}`)
  const rawFile = join(volumeDir, 'mosaic.zarr')
  const base = join(o.project.dir, 'proposals')
  mkdirSync(base, { recursive: true })
  mkdirSync(volumeDir, { recursive: true })
  // What a killed run left: staging folders of processes that are gone.
  removeStaleStaging(base, /^\.partial-(\d+)$/)
  removeStaleStaging(volumeDir, /^\.partial-(\d+)\.zarr$/)
  const staging = join(base, `.partial-${process.pid}`)
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging)
  try {
    const rawStaging = join(volumeDir, `.partial-${process.pid}.zarr`)
    rmSync(rawStaging, { recursive: true, force: true })
    const rois = await writeMosaic(
      g,
      { raw: rawStaging, labels: join(staging, 'labels.zarr') },
      o.seed,
      o.signal,
    )
    // Made alike before (same parameters, same seed): the same pixels, left as they are.
    if (existsSync(rawFile)) rmSync(rawStaging, { recursive: true, force: true })
    else renameSync(rawStaging, rawFile)
    report(0.9, 'writing the patches')
    const rawSpec = `${rawFile}#raw`
    const patches: PatchSet = {
      size: s,
      roi: Uint32Array.from({ length: n }, (_, i) => i + 1),
      image: g.image,
      mask: g.mask,
      thumbImage: g.thumbImage,
      thumbMask: g.thumbMask,
      slice: Int32Array.from(rois, (r) => r.z0),
      angle: g.angleDeg,
      flipped: new Uint8Array(n),
    }
    await writePatches(join(staging, 'patches.h5'), patches, {
      task: 'mito',
      map: rawFile,
      raw: rawSpec,
      ...params,
    })
    writeFileSync(join(staging, 'rois.csv'), proposalsCsv('mito', rois))
    writeTruth(join(staging, TRUTH_FILE), { ...params, gt: `${rawFile}#gt` }, g)
    const set = saveProposalSet(
      o.project,
      { task: 'mito', map: rawFile, raw: rawSpec, params, count: n },
      rois,
      (id) => {
        const dir = join(base, `set-${id}`)
        if (existsSync(dir)) rmSync(dir, { recursive: true, force: true })
        renameSync(staging, dir)
        return relative(o.project.dir, dir)
      },
    )
    return {
      set,
      rois: n,
      p: g.correct.reduce((a, b) => a + b, 0) / n,
      wrong,
      raw: rawSpec,
      gt: `${rawFile}#gt`,
      truth: join(o.project.dir, set.dir, TRUTH_FILE),
      seconds: (performance.now() - started) / 1000,
    }
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
}
