/**
 * The reference peers are Python scripts run as child processes: a machine without PyTorch still gets
 * every row, with the peer's side saying why it is missing.
 */
import { spawnSync } from 'node:child_process'
import { InputError } from '../../engine/errors.ts'
import type { PeerDevice } from './options.ts'

export const PYTHON = process.env.ACTIVEEM_PYTHON ?? '/usr/bin/python3'

export function run(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20 })
  if (r.status !== 0)
    throw new InputError(`bench: ${command} ${args[0]} failed: ${r.stderr.trim().split('\n').at(-1)}`)
  return r.stdout
}

/** A PyTorch peer's figures, or the `peer` text saying why there are none. */
export type PeerRun<T> = { ok: true; value: T } | { ok: false; why: string }

export function runTorchPeer<T>(script: string, args: (string | number)[]): PeerRun<T> {
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
export function torchPeerName(device: PeerDevice, threads: number): string {
  return device === 'cuda' ? 'pytorch-cuda' : `pytorch-cpu-${threads}threads`
}
