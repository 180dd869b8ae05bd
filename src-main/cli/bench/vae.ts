import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
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
import { checkDevice, initTensorEngine, tf } from '../../engine/tensor/index.ts'
import { adapterOf, round } from './measure.ts'
import type { BenchOptions } from './options.ts'
import { runTorchPeer, torchPeerName } from './peers.ts'

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
export async function benchVae(options: BenchOptions): Promise<void> {
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
