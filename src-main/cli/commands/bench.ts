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
import { createRng } from '../../engine/random.ts'
import { writeNpy } from '../../engine/volume/npy.ts'
import { Project } from '../../engine/store/index.ts'
import { benchGrid, GRID_BENCH, gridPrerequisiteMissing } from './bench-grid.ts'
import { benchLabels, benchLabelsApi } from './bench-labels.ts'
import { runSynth } from './synth.ts'
import {
  adapterLine,
  checkDevice,
  conv3dMethod,
  initTensorEngine,
  probeWebGpu,
  tf,
  type BackendRequest,
  type EngineInfo,
} from '../../engine/tensor/index.ts'
import { messageOf } from '../../engine/errors.ts'
import { parse, parseChoice, parseInteger, parseIntList } from '../args.ts'

export const usage =
  'activeem bench [--only unet|vae|stats|components|kmeans|labels|grid|webgpu|predict] ' +
  '[--backend auto|webgpu|wasm|cpu|tensorflow] [--peer-device cpu|cuda] [--predict-shape z,y,x] ' +
  '[--predict-batch N] [--quick] [--dir DIR] [--json]'

const ONLY = ['unet', 'vae', 'stats', 'components', 'kmeans', 'labels', 'grid', 'webgpu', 'predict'] as const
const BACKEND_CHOICES = ['auto', 'webgpu', 'wasm', 'cpu', 'tensorflow'] as const
const PEER_DEVICES = ['cpu', 'cuda'] as const
type PeerDevice = (typeof PEER_DEVICES)[number]

/** What the U-Net, VAE, predict and k-means rows run on, and where their PyTorch peers run. */
interface BenchOptions {
  backend: BackendRequest
  peerDevice: PeerDevice
  predictShape: [number, number, number]
  /** Windows per forward pass in the predict row; predictVolume's own default when absent. */
  predictBatch: number | undefined
  /** Small shapes and one repeat (--quick): a smoke run of the rows, e.g. on a software GPU adapter. */
  quick: boolean
}

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
    {
      dir: { type: 'string' },
      only: { type: 'string' },
      backend: { type: 'string' },
      'peer-device': { type: 'string' },
      'predict-shape': { type: 'string' },
      'predict-batch': { type: 'string' },
      quick: { type: 'boolean' },
    },
    { min: 0, max: 0, usage },
  )
  const only = values.only
  if (only !== undefined && !(ONLY as readonly string[]).includes(only))
    throw new InputError(
      `--only: expected unet, vae, stats, components, kmeans, labels, grid, webgpu or predict, got '${only}'`,
    )
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
  if (only === undefined || only === 'components') benchComponents(dir)
  if (only === undefined || only === 'unet') await benchUnet(options)
  if (only === 'predict') {
    const engine = await initTensorEngine({ backend: options.backend })
    const line = await benchPredict(unetConfig(unetSpec(options)), engine, options)
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
/** --quick: a network and window small enough for a software GPU adapter, one round of one repeat. */
const UNET_QUICK: typeof UNET = {
  width: 4,
  depth: 2,
  iso: 1,
  window: [4, 32, 32],
  repeats: 1,
  rounds: 1,
}

function unetSpec(options: BenchOptions): typeof UNET {
  return options.quick ? UNET_QUICK : UNET
}

function unetConfig(spec: typeof UNET): ModelConfig {
  return defaultConfig('mito', {
    width: spec.width,
    depth: spec.depth,
    isotropicFromLevel: spec.iso,
    window: spec.window,
  })
}

/** The webgpu adapter in one line, for the rows of a run on webgpu (none on the other backends). */
async function adapterOf(engine: EngineInfo): Promise<{ adapter?: string; software?: boolean }> {
  if (engine.backend !== 'webgpu') return {}
  const probe = await probeWebGpu()
  if (probe.adapter) return { adapter: adapterLine(probe.adapter), software: probe.adapter.software }
  return { adapter: engine.reason }
}

/** A PyTorch peer's figures, or the `peer` text saying why there are none. */
type PeerRun<T> = { ok: true; value: T } | { ok: false; why: string }

function runTorchPeer<T>(script: string, args: (string | number)[]): PeerRun<T> {
  const r = spawnSync(PYTHON, [script, ...args.map(String)], { encoding: 'utf8' })
  const last = (r.stderr ?? '').trim().split('\n').at(-1) ?? ''
  if (r.error) return { ok: false, why: `pytorch (${PYTHON} does not run: ${r.error.message})` }
  // vae_torch.py exits 3 without PyTorch; unet_torch.py fails on its import.
  if (r.status === 3 || /No module named '?torch/.test(r.stderr ?? ''))
    return { ok: false, why: 'pytorch (not installed: apt-get install python3-torch)' }
  if (r.status !== 0) return { ok: false, why: `pytorch (failed: ${last || `exit ${r.status}`})` }
  return { ok: true, value: JSON.parse(r.stdout) as T }
}

/** `pytorch-cuda` on the GPU; `pytorch-cpu-Nthreads` on the CPU, as the ratio's peer has always been named. */
function torchPeerName(device: PeerDevice, threads: number): string {
  return device === 'cuda' ? 'pytorch-cuda' : `pytorch-cpu-${threads}threads`
}

/**
 * Forward and one training step of the base model on one 1x16x128x128 window, against the same network
 * in PyTorch (on the CPU with threads = cores, or on CUDA with --peer-device cuda).
 */
async function benchUnet(options: BenchOptions): Promise<void> {
  const engine = await initTensorEngine({ backend: options.backend })
  const where = await adapterOf(engine)
  const spec = unetSpec(options)
  const config = unetConfig(spec)
  const weights = initWeights(config, 1)
  const shape = [1, ...spec.window, 1] as [number, number, number, number, number]
  const x = tf.randomNormal(shape) as tf.Tensor5D
  const y = tf.cast(tf.greater(tf.randomUniform(shape), 0.9), 'float32') as tf.Tensor5D
  const mask = tf.tensor1d([1])
  const optimizer = tf.train.adam(1e-3)
  const vars = [...weights.values()]
  const fastest = (fn: () => Promise<void>): Promise<number> => fastestOf(spec.repeats, fn, 1)
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
  type Peer = { forward_s: number; train_step_s: number; threads: number; device: string }
  const runPeer = (): PeerRun<Peer> =>
    runTorchPeer<Peer>(TORCH_PEER, [
      ...[spec.width, spec.depth, spec.iso, ...spec.window, 1, spec.repeats],
      options.peerDevice,
    ])
  // Rounds alternate ours and the peer, so a slow spell of the machine falls on both sides.
  let fwd = Infinity
  let step = Infinity
  let stepCheckpointed = Infinity
  const peers: Peer[] = []
  let why = ''
  try {
    for (let round = 0; round < spec.rounds; round++) {
      fwd = Math.min(fwd, await fastest(forwardOnce))
      step = Math.min(step, await fastest(trainStep(false)))
      stepCheckpointed = Math.min(stepCheckpointed, await fastest(trainStep(true)))
      if (engine.backend === 'webgpu') checkDevice()
      const p = runPeer()
      if (p.ok) peers.push(p.value)
      else why = p.why
    }
  } finally {
    optimizer.dispose()
    disposeWeights(weights)
    tf.dispose([x, y, mask])
  }
  const peer: Peer | null =
    peers.length === 0
      ? null
      : {
          threads: peers[0]!.threads,
          device: peers[0]!.device,
          forward_s: Math.min(...peers.map((p) => p.forward_s)),
          train_step_s: Math.min(...peers.map((p) => p.train_step_s)),
        }
  const voxels = spec.window.reduce((a, b) => a * b, 1)
  const tag = `1x${spec.window.join('x')}`
  const peerName = peer ? torchPeerName(options.peerDevice, peer.threads) : why
  const line = (name: string, ours: number, theirs: number | undefined) => ({
    name,
    ours_s: round(ours),
    peer: peerName,
    peer_s: theirs === undefined ? null : round(theirs),
    ratio: theirs === undefined ? null : round(ours / theirs),
    backend: engine.backend,
    ...where,
    threads: engine.threads,
    // Taps or the backend's own Conv3D (ACTIVEEM_CONV3D): the device check measures both on a GPU.
    conv3d: conv3dMethod(),
    ...(peer && options.peerDevice === 'cuda' ? { peer_device: peer.device } : {}),
  })
  process.stdout.write(`${JSON.stringify(line(`unet_forward_${tag}`, fwd, peer?.forward_s))}\n`)
  process.stdout.write(`${JSON.stringify(line(`unet_train_step_${tag}`, step, peer?.train_step_s))}\n`)
  // Training checkpoints block activations when a window would not fit the wasm heap otherwise
  // (model/unet.ts): the same step recomputing each block's forward, against the same peer figure.
  process.stdout.write(
    `${JSON.stringify(line(`unet_train_step_checkpointed_${tag}`, stepCheckpointed, peer?.train_step_s))}\n`,
  )
  process.stdout.write(
    `${JSON.stringify({ name: 'unet_forward_voxels_per_s', ours: Math.round(voxels / fwd), backend: engine.backend, ...where })}\n`,
  )
  process.stdout.write(`${JSON.stringify(await benchPredict(config, engine, options))}\n`)
}

const VAE_TORCH_PEER = fileURLToPath(new URL('../../../resources/bench/vae_torch.py', import.meta.url))
const VAE_BENCH = { size: 64, batch: 32, warmup: 2, steps: 5, repeats: 3, rounds: 2 }
const VAE_QUICK: typeof VAE_BENCH = { size: 32, batch: 4, warmup: 1, steps: 1, repeats: 1, rounds: 1 }

/**
 * Training throughput of both streams' VAEs at their defaults (64x64 patches, batch 32): the mean of
 * `steps` optimiser steps of trainVae's own step (vaeTrainStep) after a warm-up, the fastest of `repeats`,
 * against the same network, loss and optimizer in PyTorch (resources/bench/vae_torch.py, which checks its
 * parameter count against ours): on the CPU with threads = cores (the ratio) and on one thread, or on
 * CUDA with --peer-device cuda. Rounds alternate ours and the peer, as for the U-Net.
 */
async function benchVae(options: BenchOptions): Promise<void> {
  const engine = await initTensorEngine({ backend: options.backend })
  const where = await adapterOf(engine)
  const cuda = options.peerDevice === 'cuda'
  const { size, batch, warmup, steps, repeats, rounds } = options.quick ? VAE_QUICK : VAE_BENCH
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
      if (engine.backend === 'webgpu') checkDevice()
      return best
    }
    type Peer = { step_s: number; parameters: number; threads: number; device: string }
    const args = [size, config.latent, config.width, config.levels, batch, config.loss, config.klWeight]
    let why = ''
    const runPeer = (threads: number): Peer | null => {
      const r = runTorchPeer<Peer>(VAE_TORCH_PEER, [
        ...[...args, warmup, steps, repeats, parameters, threads],
        options.peerDevice,
      ])
      if (r.ok) return r.value
      // No Python, or no PyTorch: the line goes out without the peer, as the U-Net's does. A CPU peer
      // that fails otherwise (its network differs from ours) stops the bench; a CUDA one is reported.
      if (!cuda && !r.why.includes('not installed') && !r.why.includes('does not run'))
        throw new Error(`bench: the PyTorch VAE peer failed: ${r.why}`)
      why = r.why
      return null
    }
    const faster = (a: Peer | null, b: Peer | null): Peer | null => (a && (!b || a.step_s < b.step_s) ? a : b)
    let oursS = Infinity
    let peer: Peer | null = null
    // PyTorch on one thread too: its OpenMP threads spin at every barrier, so on a busy machine its
    // all-cores figure can be several times its one-thread one (this 2-core machine: 0.2 s against 2 s).
    // Not on CUDA, where threads do not count.
    let peerOne: Peer | null = null
    try {
      for (let round = 0; round < rounds; round++) {
        oursS = Math.min(oursS, await ours())
        peer = faster(runPeer(availableParallelism()), peer)
        if (peer && !cuda) peerOne = faster(runPeer(1), peerOne)
      }
    } finally {
      optimizer.dispose()
      disposeVae(weights)
    }
    const line = {
      name: `vae_${kind}_train_step_${batch}x${size}x${size}`,
      ours_s: round(oursS),
      peer: peer ? torchPeerName(options.peerDevice, peer.threads) : why,
      peer_s: peer ? round(peer.step_s) : null,
      ratio: peer ? round(oursS / peer.step_s) : null,
      ours_samples_per_s: Math.round(batch / oursS),
      peer_samples_per_s: peer ? Math.round(batch / peer.step_s) : null,
      peer_1thread_s: peerOne ? round(peerOne.step_s) : null,
      ratio_1thread: peerOne ? round(oursS / peerOne.step_s) : null,
      latent: config.latent,
      parameters,
      backend: engine.backend,
      ...where,
      threads: engine.threads,
      ...(peer && cuda ? { peer_device: peer.device } : {}),
    }
    process.stdout.write(`${JSON.stringify(line)}\n`)
  }
}

const PREDICT_SHAPE: [number, number, number] = [32, 256, 256]
const PREDICT_SHAPE_QUICK: [number, number, number] = [8, 64, 64]

/**
 * Whole-volume prediction as `activeem predict` runs it (sliding windows with overlap and blending,
 * the Zarr map written chunk by chunk) over a synthetic volume of --predict-shape, in a throw-away
 * project, on the active backend (predictVolume spreads tiles over worker threads on wasm and cpu, and
 * runs a GPU backend in this thread). Only the prediction is timed.
 */
async function benchPredict(config: ModelConfig, engine: EngineInfo, options: BenchOptions): Promise<object> {
  const shape = options.predictShape
  const where = await adapterOf(engine)
  const dir = mkdtempSync(join(tmpdir(), 'activeem-bench-predict-'))
  try {
    const data = await runSynth(join(dir, 'data'), shape, 5)
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
      const result = await predictVolume({
        project,
        raw: `${data.hdf5}#raw`,
        modelDir: dirOfModel,
        ...(options.predictBatch !== undefined ? { batchSize: options.predictBatch } : {}),
      })
      const seconds = (performance.now() - t) / 1000
      if (engine.backend === 'webgpu') checkDevice()
      const voxels = shape.reduce((a, b) => a * b, 1)
      return {
        name: `predict_volume_${shape.join('x')}_window_${config.window.join('x')}`,
        ours_s: round(seconds),
        voxels,
        voxels_per_s: Math.round(voxels / seconds),
        tiles: result.tiles,
        ...(options.predictBatch !== undefined ? { batch: options.predictBatch } : {}),
        backend: tf.getBackend(),
        ...where,
      }
    } finally {
      project.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const WEBGPU_BENCH = {
  hardware: { width: 8, depth: 3, window: [8, 64, 64] as [number, number, number] },
  // A software adapter (SwiftShader, llvmpipe) takes about 1 s for one 3x3 convolution of 8x64x64x8 on
  // two cores, 25 s for the hardware row's forward and 2 min for its step: this keeps the row to ~40 s.
  software: { width: 4, depth: 2, window: [4, 32, 32] as [number, number, number] },
  iso: 1,
  repeats: 3,
}

/**
 * The webgpu backend against wasm in this process, on a small U-Net (width 8, depth 3, one 1x8x64x64
 * window; width 4, depth 2, 1x4x32x32 on a software adapter): forward and one training step, the fastest
 * of 3 after a warm-up (which compiles the shaders) on each, with the same weights and input on both, so
 * the forward outputs are compared too (max_abs_diff). One line saying why when webgpu does not start.
 */
async function benchWebGpu(): Promise<void> {
  try {
    await initTensorEngine({ backend: 'webgpu' })
  } catch (e) {
    const line = { name: 'webgpu_vs_wasm_unet', ok: false, error: messageOf(e).split('\n')[0] }
    process.stdout.write(`${JSON.stringify(line)}\n`)
    return
  }
  const probe = await probeWebGpu()
  const adapter = probe.adapter ? adapterLine(probe.adapter) : probe.detail
  const software = probe.adapter?.software ?? false
  const { iso, repeats } = WEBGPU_BENCH
  const { width, depth, window } = software ? WEBGPU_BENCH.software : WEBGPU_BENCH.hardware
  const config = defaultConfig('mito', { width, depth, isotropicFromLevel: iso, window })
  const shape = [1, ...window, 1] as [number, number, number, number, number]
  const n = window.reduce((a, b) => a * b, 1)
  const rng = createRng(41)
  const xData = Float32Array.from({ length: n }, () => rng.normal())
  const yData = Float32Array.from({ length: n }, () => (rng.range(0, 1) < 0.1 ? 1 : 0))
  const tag = window.join('x')
  const measure = async (
    backend: 'webgpu' | 'wasm',
  ): Promise<{ forward: number; step: number; output: Float32Array }> => {
    await initTensorEngine({ backend })
    const weights = initWeights(config, 1)
    const x = tf.tensor5d(xData, shape)
    const y = tf.tensor5d(yData, shape)
    const mask = tf.tensor1d([1])
    const optimizer = tf.train.adam(1e-3)
    const vars = [...weights.values()]
    const fastest = (fn: () => Promise<unknown>): Promise<number> => fastestOf(repeats, fn)
    const forwardOnce = async (): Promise<Float32Array> => {
      const p = tf.tidy(() => tf.sigmoid(forward(config, weights, x)))
      try {
        return (await p.data()) as Float32Array
      } finally {
        p.dispose()
      }
    }
    const trainStep = async (): Promise<void> => {
      const loss = tf.tidy(() =>
        optimizer.minimize(() => segmentationLoss(forward(config, weights, x), y, mask, 1), true, vars)!,
      )
      await loss.data()
      loss.dispose()
    }
    try {
      // The warm-up output, before any step moves the weights: the same on both backends.
      const output = await forwardOnce()
      const fwd = await fastest(forwardOnce)
      await trainStep()
      const step = await fastest(trainStep)
      if (backend === 'webgpu') checkDevice()
      return { forward: fwd, step, output }
    } finally {
      optimizer.dispose()
      disposeWeights(weights)
      tf.dispose([x, y, mask])
    }
  }
  const gpu = await measure('webgpu')
  const cpu = await measure('wasm')
  let diff = 0
  for (let i = 0; i < cpu.output.length; i++) diff = Math.max(diff, Math.abs(cpu.output[i]! - gpu.output[i]!))
  const line = (name: string, ours: number, theirs: number, extra: object = {}) => ({
    name,
    ours_s: round(ours),
    peer: 'wasm',
    peer_s: round(theirs),
    ratio: round(ours / theirs),
    adapter,
    software,
    width,
    depth,
    ...extra,
  })
  const forwardLine = line(`webgpu_vs_wasm_unet_forward_1x${tag}`, gpu.forward, cpu.forward, {
    max_abs_diff: Number(diff.toPrecision(3)),
  })
  process.stdout.write(`${JSON.stringify(forwardLine)}\n`)
  process.stdout.write(
    `${JSON.stringify(line(`webgpu_vs_wasm_unet_train_step_1x${tag}`, gpu.step, cpu.step))}\n`,
  )
}

const KMEANS_PEER = fileURLToPath(new URL('../../../resources/bench/peer_kmeans.py', import.meta.url))
const KMEANS = {
  k: 64,
  iterations: 20,
  repeats: 3,
  sets: [
    [100000, 32, 2],
    [20000, 1000, 0.3],
  ] as [number, number, number][],
}
const KMEANS_QUICK: typeof KMEANS = {
  k: 16,
  iterations: 5,
  repeats: 1,
  sets: [
    [5000, 32, 2],
    [2000, 100, 0.3],
  ],
}

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
 * `backend` is the tensor backend active during the fit (started from --backend).
 */
async function benchKMeans(dir: string, options: BenchOptions): Promise<void> {
  const engine = await initTensorEngine({ backend: options.backend })
  const where = await adapterOf(engine)
  const { k, iterations, repeats, sets } = options.quick ? KMEANS_QUICK : KMEANS
  for (const [n, d, spread] of sets) {
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
      backend: tf.getBackend(),
      ...(tf.getBackend() === 'webgpu' ? where : {}),
    }
    process.stdout.write(`${JSON.stringify(line)}\n`)
  }
}

/**
 * The fastest of `repeats` timed runs, in seconds, after `warmup` untimed ones: this machine's timings
 * wander by 30% from minute to minute, and the minimum is the figure least moved by what else runs.
 */
async function fastestOf(repeats: number, fn: () => Promise<unknown>, warmup = 0): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn()
  let best = Infinity
  for (let i = 0; i < repeats; i++) {
    const t = performance.now()
    await fn()
    best = Math.min(best, (performance.now() - t) / 1000)
  }
  return best
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
