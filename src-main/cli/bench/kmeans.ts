import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { kmeans } from '../../engine/cluster/index.ts'
import { createRng } from '../../engine/random.ts'
import { initTensorEngine, tf } from '../../engine/tensor/index.ts'
import { writeNpy } from '../../engine/volume/index.ts'
import { adapterOf, round } from './measure.ts'
import type { BenchOptions } from './options.ts'
import { PYTHON, run } from './peers.ts'

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
export async function benchKMeans(dir: string, options: BenchOptions): Promise<void> {
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
