import { fileURLToPath } from 'node:url'
import {
  defaultConfig,
  disposeWeights,
  forward,
  initWeights,
  segmentationLoss,
  type ModelConfig,
} from '../../engine/model/index.ts'
import { checkDevice, conv3dMethod, initTensorEngine, tf } from '../../engine/tensor/index.ts'
import { adapterOf, fastestOf, round } from './measure.ts'
import type { BenchOptions } from './options.ts'
import { runTorchPeer, torchPeerName, type PeerRun } from './peers.ts'
import { benchPredict } from './predict.ts'

const TORCH_PEER = fileURLToPath(new URL('../../../resources/bench/unet_torch.py', import.meta.url))

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

export function unetSpec(options: BenchOptions): typeof UNET {
  return options.quick ? UNET_QUICK : UNET
}

export function unetConfig(spec: typeof UNET): ModelConfig {
  return defaultConfig('mito', {
    width: spec.width,
    depth: spec.depth,
    isotropicFromLevel: spec.iso,
    window: spec.window,
  })
}

/**
 * Forward and one training step of the base model on one 1x16x128x128 window, against the same network
 * in PyTorch (on the CPU with threads = cores, or on CUDA with --peer-device cuda).
 */
export async function benchUnet(options: BenchOptions): Promise<void> {
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
