/** What `activeem bench` was asked to run: parsed once in bench.ts, read by the rows that take it. */
import type { BackendRequest } from '../../engine/tensor/index.ts'

export const BACKEND_CHOICES = ['auto', 'webgpu', 'wasm', 'cpu', 'tensorflow'] as const
export const PEER_DEVICES = ['cpu', 'cuda'] as const
export type PeerDevice = (typeof PEER_DEVICES)[number]

/** What the U-Net, VAE, predict and k-means rows run on, and where their PyTorch peers run. */
export interface BenchOptions {
  backend: BackendRequest
  peerDevice: PeerDevice
  predictShape: [number, number, number]
  /** Windows per forward pass in the predict row; predictVolume's own default when absent. */
  predictBatch: number | undefined
  /** Small shapes and one repeat (--quick): a smoke run of the rows, e.g. on a software GPU adapter. */
  quick: boolean
}

export const PREDICT_SHAPE: [number, number, number] = [32, 256, 256]
export const PREDICT_SHAPE_QUICK: [number, number, number] = [8, 64, 64]
