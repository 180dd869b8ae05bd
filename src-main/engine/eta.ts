/**
 * Seconds left from the throughput measured by the wall clock since warm-up: the first units of
 * work (compiling kernels, filling caches) are slower than the rest and would inflate an estimate for
 * minutes, and a wall clock counts what runs between units (validation, checkpoints) that a per-step
 * time leaves out, which is what made an ETA sit at 0 s while such work went on.
 */
export class Throughput {
  private origin: { t: number; done: number } | null = null
  private calls = 0

  /** `warmup`: how many reports pass before the clock starts. */
  constructor(private readonly warmup = 2) {}

  /** Called as work advances: `done` of `total` units; null until a rate is measured after warm-up. */
  eta(done: number, total: number, now = performance.now()): number | null {
    this.calls++
    if (this.origin === null) {
      if (this.calls >= this.warmup) this.origin = { t: now, done }
      return null
    }
    const seconds = (now - this.origin.t) / 1000
    if (done <= this.origin.done || seconds <= 0) return null
    return Math.max(0, ((total - done) * seconds) / (done - this.origin.done))
  }
}

/**
 * The loss figure every place shows (progress message, curve, summary): the mean of the last
 * `window` steps' losses, so a single noisy batch never makes two displays of one run disagree.
 */
export function recentLoss(losses: readonly number[], window = 20): number {
  const tail = losses.slice(-window)
  return tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : NaN
}
