/** How every row times its work and writes its figures, so that rows compare with each other. */
import { adapterLine, probeWebGpu, type EngineInfo } from '../../engine/tensor/index.ts'

/** The webgpu adapter in one line, for the rows of a run on webgpu (none on the other backends). */
export async function adapterOf(engine: EngineInfo): Promise<{ adapter?: string; software?: boolean }> {
  if (engine.backend !== 'webgpu') return {}
  const probe = await probeWebGpu()
  if (probe.adapter) return { adapter: adapterLine(probe.adapter), software: probe.adapter.software }
  return { adapter: engine.reason }
}

/**
 * The fastest of `repeats` timed runs, in seconds, after `warmup` untimed ones: this machine's timings
 * wander by 30% from minute to minute, and the minimum is the figure least moved by what else runs.
 */
export async function fastestOf(repeats: number, fn: () => Promise<unknown>, warmup = 0): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn()
  let best = Infinity
  for (let i = 0; i < repeats; i++) {
    const t = performance.now()
    await fn()
    best = Math.min(best, (performance.now() - t) / 1000)
  }
  return best
}

export function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
