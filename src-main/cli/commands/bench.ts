import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InputError } from '../../engine/errors.ts'
import { computeStats, openVolume } from '../../engine/volume/index.ts'
import {
  channelsOf,
  defaultConfig,
  disposeWeights,
  forward,
  initWeights,
  modelDir,
  saveModel,
  segmentationLoss,
  type ModelConfig,
} from '../../engine/model/index.ts'
import { predictVolume } from '../../engine/predict/index.ts'
import { kmeans } from '../../engine/cluster/index.ts'
import {
  disposeVae,
  initVaeWeights,
  VAE_DEFAULTS,
  vaeParameterSpecs,
  vaeTrainStep,
  type VaeConfig,
  type VaeKind,
} from '../../engine/embed/index.ts'
import { createRng } from '../../engine/synth/random.ts'
import { writeNpy } from '../../engine/volume/npy.ts'
import { Project } from '../../engine/store/index.ts'
import { benchGrid } from './bench-grid.ts'
import { benchLabels } from './bench-labels.ts'
import { runSynth } from './synth.ts'
import { initTensorEngine, tf } from '../../engine/tensor/index.ts'
import { parse } from '../args.ts'

export const usage =
  'activeem bench [--only unet|vae|stats|components|kmeans|labels|grid] [--dir DIR] [--json]'

const PEER = fileURLToPath(new URL('../../../resources/bench/peer_stats.py', import.meta.url))
const PYTHON = process.env.ACTIVEEM_PYTHON ?? '/usr/bin/python3'
const TORCH_PEER = fileURLToPath(new URL('../../../resources/bench/unet_torch.py', import.meta.url))
const SHAPE = [128, 1024, 1024]

function python(args: string[]): string {
  const r = spawnSync(PYTHON, [PEER, ...args], { encoding: 'utf8' })
  if (r.status !== 0)
    throw new InputError(
      `bench: the Python peer failed (${PYTHON} with numpy, h5py, zarr): ${r.stderr.trim().split('\n').at(-1)}`,
    )
  return r.stdout
}

/**
 * Figures against the field's own tools, one JSON line each: {"name","ours_s","peer","peer_s","ratio"}.
 * Each stage adds its lines as it lands; ratios under 1 mean ActiveEM is faster.
 */
export async function bench(argv: string[]): Promise<void> {
  const { values } = parse(
    'bench',
    argv,
    { dir: { type: 'string' }, only: { type: 'string' } },
    { min: 0, max: 0, usage },
  )
  const only = values.only
  if (
    only !== undefined &&
    !['unet', 'vae', 'stats', 'components', 'kmeans', 'labels', 'grid'].includes(only)
  )
    throw new InputError(
      `--only: expected unet, vae, stats, components, kmeans, labels or grid, got '${only}'`,
    )
  const dir = values.dir ?? join(tmpdir(), 'activeem-bench')
  mkdirSync(dir, { recursive: true })
  if (only === undefined || only === 'components') benchComponents(dir)
  if (only === undefined || only === 'unet') await benchUnet()
  if (only === undefined || only === 'vae') await benchVae()
  if (only === undefined || only === 'kmeans') await benchKMeans(dir)
  if (only === undefined || only === 'labels')
    for (const line of benchLabels(dir, PYTHON)) process.stdout.write(`${JSON.stringify(line)}\n`)
  if (only === undefined || only === 'grid')
    for (const line of await benchGrid()) process.stdout.write(`${JSON.stringify(line)}\n`)
  if (only !== undefined && only !== 'stats') return
  if (!existsSync(join(dir, 'bench.zarr'))) python(['write', dir, ...SHAPE.map(String)])
  const voxels = SHAPE.reduce((a, b) => a * b, 1)
  for (const [name, spec, peerArgs, peer] of [
    [
      'stats_hdf5_gzip_uint8_128x1024x1024',
      `${join(dir, 'bench.h5')}#raw`,
      [join(dir, 'bench.h5'), 'raw'],
      'h5py+numpy',
    ],
    [
      'stats_zarr_blosc_uint8_128x1024x1024',
      join(dir, 'bench.zarr'),
      [join(dir, 'bench.zarr')],
      'zarr+numpy',
    ],
  ] as const) {
    const volume = await openVolume(spec)
    const t0 = performance.now()
    const ours = await computeStats(volume)
    const oursS = (performance.now() - t0) / 1000
    volume.close()
    const theirs = JSON.parse(python(['stats', ...peerArgs])) as { seconds: number; mean: number }
    if (Math.abs(theirs.mean - ours.mean) > 1e-9 * ours.mean)
      throw new Error(`${name}: means differ (${ours.mean} vs ${theirs.mean})`)
    const line = {
      name,
      ours_s: round(oursS),
      peer,
      peer_s: round(theirs.seconds),
      ratio: round(oursS / theirs.seconds),
      voxels_per_s: Math.round(voxels / oursS),
    }
    process.stdout.write(`${JSON.stringify(line)}\n`)
  }
}

const COMPONENTS_SHAPE = [64, 512, 512]
const COMPONENTS_PEER = fileURLToPath(new URL('../../../resources/bench/peer_components.py', import.meta.url))
const CLI = fileURLToPath(new URL('../../../bin/activeem.mjs', import.meta.url))

function run(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20 })
  if (r.status !== 0)
    throw new InputError(`bench: ${command} ${args[0]} failed: ${r.stderr.trim().split('\n').at(-1)}`)
  return r.stdout
}

/**
 * `activeem components` (a child process, as a user runs it) against h5py + scipy.ndimage.label on a
 * 64x512x512 mask with ~1% foreground: fastest of 3 each, same count and the same multiset of sizes.
 */
function benchComponents(dir: string): void {
  const file = join(dir, `components_${COMPONENTS_SHAPE.join('x')}.h5`)
  if (!existsSync(file)) run(PYTHON, [COMPONENTS_PEER, 'write', file, ...COMPONENTS_SHAPE.map(String)])
  const csv = join(dir, 'components_rois.csv')
  let ours: { seconds: number; count: number; peakRssMB: number } | undefined
  let theirs: { seconds: number; count: number; sizes_sha256: string; peak_rss_mb: number } | undefined
  for (let i = 0; i < 3; i++) {
    rmSync(csv, { force: true })
    const o = JSON.parse(
      run(process.execPath, [CLI, 'components', `${file}#mask`, '--out', csv, '--json']),
    ) as NonNullable<typeof ours>
    const t = JSON.parse(run(PYTHON, [COMPONENTS_PEER, 'label', file, 'mask', '26'])) as NonNullable<
      typeof theirs
    >
    if (!ours || o.seconds < ours.seconds) ours = o
    if (!theirs || t.seconds < theirs.seconds) theirs = t
  }
  const sizes = readFileSync(csv, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => BigInt(l.split(',')[7]!))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const bytes = new BigUint64Array(sizes)
  const digest = createHash('sha256').update(new Uint8Array(bytes.buffer)).digest('hex')
  if (ours!.count !== theirs!.count || digest !== theirs!.sizes_sha256)
    throw new Error(
      `components: ours ${ours!.count} components, scipy ${theirs!.count}, or their sizes differ`,
    )
  const line = {
    name: `components_26_${COMPONENTS_SHAPE.join('x')}_1pct`,
    ours_s: round(ours!.seconds),
    peer: 'h5py+scipy.ndimage.label',
    peer_s: round(theirs!.seconds),
    ratio: round(ours!.seconds / theirs!.seconds),
    count: ours!.count,
    ours_peak_rss_mb: ours!.peakRssMB,
    peer_peak_rss_mb: theirs!.peak_rss_mb,
  }
  process.stdout.write(`${JSON.stringify(line)}\n`)
}

const UNET = {
  width: 16,
  depth: 3,
  iso: 1,
  window: [16, 128, 128] as [number, number, number],
  repeats: 5,
  rounds: 2,
}

/** Forward and one training step of the base model on one 1x16x128x128 window, against the same network in PyTorch. */
async function benchUnet(): Promise<void> {
  const engine = await initTensorEngine({ backend: 'auto' })
  const config = defaultConfig('mito', {
    width: UNET.width,
    depth: UNET.depth,
    isotropicFromLevel: UNET.iso,
    window: UNET.window,
  })
  const weights = initWeights(config, 1)
  const shape = [1, ...UNET.window, 1] as [number, number, number, number, number]
  const x = tf.randomNormal(shape) as tf.Tensor5D
  const y = tf.cast(tf.greater(tf.randomUniform(shape), 0.9), 'float32') as tf.Tensor5D
  const mask = tf.tensor1d([1])
  const optimizer = tf.train.adam(1e-3)
  const vars = [...weights.values()]
  // The fastest of N runs on both sides: this machine's timings wander by 30% from minute to minute,
  // and the minimum is the figure least moved by what else runs.
  const fastest = async (fn: () => Promise<void>): Promise<number> => {
    await fn()
    let best = Infinity
    for (let i = 0; i < UNET.repeats; i++) {
      const t = performance.now()
      await fn()
      best = Math.min(best, (performance.now() - t) / 1000)
    }
    return best
  }
  const forwardOnce = async (): Promise<void> => {
    const p = tf.tidy(() => tf.sigmoid(forward(config, weights, x)))
    await p.data()
    p.dispose()
  }
  const trainStep = (checkpoint: boolean) => async () => {
    const loss = tf.tidy(() =>
      optimizer.minimize(
        () => segmentationLoss(forward(config, weights, x, { checkpoint }), y, mask, 1),
        true,
        vars,
      )!,
    )
    await loss.data()
    loss.dispose()
  }
  type Peer = { forward_s: number; train_step_s: number; threads: number }
  const runPeer = (): Peer | null => {
    const r = spawnSync(
      PYTHON,
      [TORCH_PEER, ...[UNET.width, UNET.depth, UNET.iso, ...UNET.window, 1, UNET.repeats].map(String)],
      { encoding: 'utf8' },
    )
    return r.status === 0 ? (JSON.parse(r.stdout) as Peer) : null
  }
  // Rounds alternate ours and the peer, so a slow spell of the machine falls on both sides.
  let fwd = Infinity
  let step = Infinity
  let stepCheckpointed = Infinity
  const peers: Peer[] = []
  for (let round = 0; round < UNET.rounds; round++) {
    fwd = Math.min(fwd, await fastest(forwardOnce))
    step = Math.min(step, await fastest(trainStep(false)))
    stepCheckpointed = Math.min(stepCheckpointed, await fastest(trainStep(true)))
    const p = runPeer()
    if (p) peers.push(p)
  }
  const peer: Peer | null =
    peers.length === 0
      ? null
      : {
          threads: peers[0]!.threads,
          forward_s: Math.min(...peers.map((p) => p.forward_s)),
          train_step_s: Math.min(...peers.map((p) => p.train_step_s)),
        }
  disposeWeights(weights)
  const voxels = UNET.window.reduce((a, b) => a * b, 1)
  const peerName = peer
    ? `pytorch-cpu-${peer.threads}threads`
    : 'pytorch (not installed: apt-get install python3-torch)'
  const line = (name: string, ours: number, theirs: number | undefined) => ({
    name,
    ours_s: round(ours),
    peer: peerName,
    peer_s: theirs === undefined ? null : round(theirs),
    ratio: theirs === undefined ? null : round(ours / theirs),
    backend: engine.backend,
    threads: engine.threads,
  })
  process.stdout.write(`${JSON.stringify(line('unet_forward_1x16x128x128', fwd, peer?.forward_s))}\n`)
  process.stdout.write(`${JSON.stringify(line('unet_train_step_1x16x128x128', step, peer?.train_step_s))}\n`)
  // Training checkpoints block activations when a window would not fit the wasm heap otherwise
  // (model/unet.ts): the same step recomputing each block's forward, against the same peer figure.
  process.stdout.write(
    `${JSON.stringify(line('unet_train_step_checkpointed_1x16x128x128', stepCheckpointed, peer?.train_step_s))}\n`,
  )
  process.stdout.write(
    `${JSON.stringify({ name: 'unet_forward_voxels_per_s', ours: Math.round(voxels / fwd), backend: engine.backend })}\n`,
  )
  process.stdout.write(`${JSON.stringify(await benchPredict(config, engine.backend))}\n`)
}

const VAE_TORCH_PEER = fileURLToPath(new URL('../../../resources/bench/vae_torch.py', import.meta.url))
const VAE_BENCH = { size: 64, batch: 32, warmup: 2, steps: 5, repeats: 3, rounds: 2 }

/**
 * Training throughput of both streams' VAEs at their defaults (64x64 patches, batch 32): the mean of
 * `steps` optimiser steps of trainVae's own step (vaeTrainStep) after a warm-up, the fastest of `repeats`,
 * against the same network, loss and optimizer in PyTorch on the CPU (resources/bench/vae_torch.py, which
 * checks its parameter count against ours), with threads = cores (the ratio) and on one thread. Rounds
 * alternate ours and the peer, as for the U-Net.
 */
async function benchVae(): Promise<void> {
  const engine = await initTensorEngine({ backend: 'auto' })
  const { size, batch, warmup, steps, repeats, rounds } = VAE_BENCH
  for (const kind of ['image', 'mask'] as VaeKind[]) {
    const config: VaeConfig = { ...VAE_DEFAULTS[kind], size }
    const parameters = vaeParameterSpecs(config).reduce((a, s) => a + s.shape.reduce((p, d) => p * d, 1), 0)
    const rng = createRng(kind === 'image' ? 31 : 32)
    // Image patches: noise in [-1, 1]; mask patches: -1 or 1, as the streams feed them.
    const data = Float32Array.from({ length: batch * size * size }, () =>
      kind === 'image' ? rng.range(-1, 1) : rng.range(0, 1) < 0.3 ? 1 : -1,
    )
    const weights = initVaeWeights(config, 1)
    const optimizer = tf.train.adam(1e-3)
    const vars = [...weights.values()]
    let noiseSeed = 1 // tfjs draws from Math.random for seed 0
    const ours = async (): Promise<number> => {
      for (let i = 0; i < warmup; i++) await vaeTrainStep(config, weights, optimizer, vars, data, noiseSeed++)
      let best = Infinity
      for (let r = 0; r < repeats; r++) {
        const t = performance.now()
        for (let i = 0; i < steps; i++)
          await vaeTrainStep(config, weights, optimizer, vars, data, noiseSeed++)
        best = Math.min(best, (performance.now() - t) / 1000 / steps)
      }
      return best
    }
    type Peer = { step_s: number; parameters: number; threads: number }
    const args = [size, config.latent, config.width, config.levels, batch, config.loss, config.klWeight]
    const runPeer = (threads: number): Peer | null => {
      const r = spawnSync(
        PYTHON,
        [VAE_TORCH_PEER, ...[...args, warmup, steps, repeats, parameters, threads].map(String)],
        { encoding: 'utf8' },
      )
      // No Python, or no PyTorch (exit 3): the line goes out without the peer, as the U-Net's does.
      if (r.error || r.status === 3) return null
      if (r.status !== 0)
        throw new Error(`bench: the PyTorch VAE peer failed: ${r.stderr.trim().split('\n').at(-1)}`)
      return JSON.parse(r.stdout) as Peer
    }
    const faster = (a: Peer | null, b: Peer | null): Peer | null => (a && (!b || a.step_s < b.step_s) ? a : b)
    let oursS = Infinity
    let peer: Peer | null = null
    // PyTorch on one thread too: its OpenMP threads spin at every barrier, so on a busy machine its
    // all-cores figure can be several times its one-thread one (this 2-core machine: 0.2 s against 2 s).
    let peerOne: Peer | null = null
    try {
      for (let round = 0; round < rounds; round++) {
        oursS = Math.min(oursS, await ours())
        peer = faster(runPeer(availableParallelism()), peer)
        if (peer) peerOne = faster(runPeer(1), peerOne)
      }
    } finally {
      optimizer.dispose()
      disposeVae(weights)
    }
    const line = {
      name: `vae_${kind}_train_step_${batch}x${size}x${size}`,
      ours_s: round(oursS),
      peer: peer
        ? `pytorch-cpu-${peer.threads}threads`
        : 'pytorch (not installed: apt-get install python3-torch)',
      peer_s: peer ? round(peer.step_s) : null,
      ratio: peer ? round(oursS / peer.step_s) : null,
      ours_samples_per_s: Math.round(batch / oursS),
      peer_samples_per_s: peer ? Math.round(batch / peer.step_s) : null,
      peer_1thread_s: peerOne ? round(peerOne.step_s) : null,
      ratio_1thread: peerOne ? round(oursS / peerOne.step_s) : null,
      latent: config.latent,
      parameters,
      backend: engine.backend,
      threads: engine.threads,
    }
    process.stdout.write(`${JSON.stringify(line)}\n`)
  }
}

const PREDICT_SHAPE: [number, number, number] = [32, 256, 256]

/**
 * Whole-volume prediction as `activeem predict` runs it (sliding windows with overlap and blending,
 * worker threads, the Zarr map written chunk by chunk) over a synthetic volume, in a throw-away project.
 */
async function benchPredict(config: ModelConfig, backend: string): Promise<object> {
  const dir = mkdtempSync(join(tmpdir(), 'activeem-bench-predict-'))
  try {
    const data = await runSynth(join(dir, 'data'), PREDICT_SHAPE, 5)
    const project = Project.init(join(dir, 'project'))
    try {
      const weights = initWeights(config, 2)
      const dirOfModel = modelDir(project, 'bench')
      await saveModel(
        dirOfModel,
        {
          config,
          normalisation: { mean: 128, std: 40 },
          trainedChannels: [...channelsOf(config)],
          trainedOn: { bench: true },
        },
        weights,
      )
      disposeWeights(weights)
      const t = performance.now()
      const result = await predictVolume({ project, raw: `${data.hdf5}#raw`, modelDir: dirOfModel })
      const seconds = (performance.now() - t) / 1000
      const voxels = PREDICT_SHAPE.reduce((a, b) => a * b, 1)
      return {
        name: `predict_volume_${PREDICT_SHAPE.join('x')}_window_${config.window.join('x')}`,
        ours_s: round(seconds),
        voxels_per_s: Math.round(voxels / seconds),
        tiles: result.tiles,
        backend,
      }
    } finally {
      project.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const KMEANS_PEER = fileURLToPath(new URL('../../../resources/bench/peer_kmeans.py', import.meta.url))
const KMEANS = { k: 64, iterations: 20, repeats: 3 }

/**
 * Seeded Gaussian blobs: 200 blob centres (normal, scaled by `spread`) with unit normal noise, so that
 * 64 clusters are still moving after 20 iterations (Lloyd must not converge early on either side).
 */
function kmeansData(n: number, d: number, spread: number, seed: number): Float32Array {
  const rng = createRng(seed)
  const centres = Float64Array.from({ length: 200 * d }, () => rng.normal() * spread)
  const out = new Float32Array(n * d)
  for (let i = 0; i < n; i++) {
    const b = rng.int(0, 200)
    for (let j = 0; j < d; j++) out[i * d + j] = centres[b * d + j]! + rng.normal()
  }
  return out
}

/**
 * Lloyd's k-means (engine/cluster) against scikit-learn's KMeans(algorithm='lloyd'), all cores on both
 * sides: the same data and initial centres (written once as .npy for the peer), 20 iterations with
 * tol 0, only the fit timed; fastest of 3 each, after one untimed run of ours that starts its workers.
 */
async function benchKMeans(dir: string): Promise<void> {
  const { k, iterations, repeats } = KMEANS
  for (const [n, d, spread] of [
    [100000, 32, 2],
    [20000, 1000, 0.3],
  ] as const) {
    const name = `kmeans_${n}x${d}_k${k}`
    const points = kmeansData(n, d, spread, 17)
    const rng = createRng(18)
    const picked = new Set<number>()
    while (picked.size < k) picked.add(rng.int(0, n))
    const init = new Float32Array(k * d)
    ;[...picked].forEach((i, c) => init.set(points.subarray(i * d, (i + 1) * d), c * d))
    const xFile = join(dir, `${name}_v1_x.npy`)
    const initFile = join(dir, `${name}_v1_init.npy`)
    if (!existsSync(xFile)) writeNpy(xFile, 'float32', [n, d], points)
    if (!existsSync(initFile)) writeNpy(initFile, 'float32', [k, d], init)
    const fit = () => kmeans(points, n, d, { k, init, maxIterations: iterations, tolerance: 0 })
    await kmeans(points, n, d, { k, init, maxIterations: 1 })
    let oursS = Infinity
    let ours: Awaited<ReturnType<typeof fit>> | undefined
    for (let i = 0; i < repeats; i++) {
      const t = performance.now()
      ours = await fit()
      oursS = Math.min(oursS, (performance.now() - t) / 1000)
    }
    const theirs = JSON.parse(
      run(PYTHON, [KMEANS_PEER, xFile, initFile, String(iterations), String(repeats)]),
    ) as { seconds: number; inertia: number; n_iter: number; threads: number }
    if (Math.abs(ours!.inertia - theirs.inertia) > 0.01 * theirs.inertia)
      throw new Error(
        `${name}: inertias differ by more than 1% (ours ${ours!.inertia}, sklearn ${theirs.inertia})`,
      )
    const line = {
      name,
      ours_s: round(oursS),
      peer: 'sklearn KMeans lloyd',
      peer_s: round(theirs.seconds),
      ratio: round(oursS / theirs.seconds),
      ours_inertia: Math.round(ours!.inertia),
      peer_inertia: Math.round(theirs.inertia),
      ours_iterations: ours!.iterations,
      peer_iterations: theirs.n_iter,
      peer_threads: theirs.threads,
    }
    process.stdout.write(`${JSON.stringify(line)}\n`)
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
