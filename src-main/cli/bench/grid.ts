import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { buildBigRound } from './big-round.ts'
import { InputError } from '../../engine/errors.ts'
import { CHROMIUM, openBenchPage } from './bench-page.ts'
import { RENDERER_DIR } from '../commands/serve.ts'

/** The few browser APIs the in-page scroll uses (the node tsconfig has no DOM lib). */
interface ScrollElement {
  scrollTop: number
  scrollHeight: number
  clientHeight: number
  querySelectorAll(selector: string): { length: number }
}
interface PageGlobals {
  document: { querySelector(selector: string): ScrollElement | null }
  requestAnimationFrame(callback: (now: number) => void): number
  MessageChannel: new () => {
    port1: { onmessage: (() => void) | null }
    port2: { postMessage(message: unknown): void }
  }
  performance: { now(): number }
}

export interface ScrollFrames {
  /** requestAnimationFrame deltas, ms, over the whole scroll. */
  deltas: number[]
  /**
   * Per frame, the main thread's work for it, ms: from the frame's start (its requestAnimationFrame
   * time) to the first task after its rendering, so the scroll event, the grid's update, the frame
   * callbacks, style, layout and paint. The intervals above cannot go under 16.7 ms at 60 Hz; this
   * is what has to stay under a frame for none to be missed.
   */
  work: number[]
  /** Pixels scrolled, and the most tiles the DOM held at one time. */
  distance: number
  maxTiles: number
}

/**
 * Scrolls the open query grid from top to bottom at a constant speed, one step per animation frame (a
 * programmatic smooth scroll), and records the time between frames.
 */
export async function measureGridScroll(page: Page, pixelsPerSecond = 6000): Promise<ScrollFrames> {
  // No named functions inside: tsx would wrap them in a helper that the page does not have.
  return page.evaluate(async (speed: number) => {
    const page = globalThis as unknown as PageGlobals
    const el = page.document.querySelector('[data-testid="grid-viewport"]')
    if (!el) throw new Error('no query grid on the page')
    el.scrollTop = 0
    for (let i = 0; i < 2; i++) await new Promise((ok) => page.requestAnimationFrame(ok))
    const distance = el.scrollHeight - el.clientHeight
    const deltas: number[] = []
    const work: number[] = []
    let maxTiles = 0
    const channel = new page.MessageChannel()
    const start = await new Promise<number>((ok) => page.requestAnimationFrame(ok))
    let last = start
    for (;;) {
      const now = await new Promise<number>((ok) => page.requestAnimationFrame(ok))
      deltas.push(now - last)
      last = now
      el.scrollTop = Math.min(distance, ((now - start) / 1000) * speed)
      // A message posted in a frame is handled once that frame's rendering is done.
      work.push(
        await new Promise<number>((ok) => {
          channel.port1.onmessage = () => ok(page.performance.now() - now)
          channel.port2.postMessage(0)
        }),
      )
      maxTiles = Math.max(maxTiles, el.querySelectorAll('[data-testid="tile"]').length)
      if (el.scrollTop >= distance - 1) break
      // A scroll that cannot reach the end (the grid shrank under it) is an error, not a hang.
      if (now - start > (4000 * distance) / speed + 10_000)
        throw new Error(
          `the grid scroll stalled at ${el.scrollTop} of ${distance} px (scroll height now ${el.scrollHeight})`,
        )
    }
    return { deltas, work, distance, maxTiles }
  }, pixelsPerSecond)
}

/**
 * Frame intervals: headless Chromium paces frames at 60 Hz, so 16.7 ms is a frame on time and the
 * share of intervals over 1.5 frames (25 ms) is the share of frames that missed their slot.
 */
export function frameSummary(deltas: readonly number[]): {
  median: number
  p95: number
  max: number
  late: number
} {
  const sorted = [...deltas].sort((a, b) => a - b)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
  const round = (x: number): number => Math.round(x * 100) / 100
  const late = deltas.filter((d) => d > 25).length / Math.max(1, deltas.length)
  return { median: round(at(0.5)), p95: round(at(0.95)), max: round(sorted.at(-1) ?? NaN), late: round(late) }
}

export const GRID_BENCH = 'grid-scroll-5000'

/** What the grid row needs and this checkout lacks (the built renderer, a Chromium), or null. */
export function gridPrerequisiteMissing(): string | null {
  if (!existsSync(RENDERER_DIR)) return `renderer not built (${RENDERER_DIR}); run 'npm run build' first`
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (set ACTIVEEM_CHROMIUM)`
  return null
}

/**
 * The query grid of a 5,000-query round in headless Chromium: frame times while scrolling through it.
 * One JSON line: {"name":"grid-scroll-5000","frame_ms_median","frame_ms_p95","frames",...}.
 */
export async function benchGrid(): Promise<Array<{ name: string; [key: string]: unknown }>> {
  const missing = gridPrerequisiteMissing()
  if (missing) throw new InputError(`bench: ${missing}`)
  const tmp = mkdtempSync(join(tmpdir(), 'activeem-bench-grid-'))
  const big = await buildBigRound(join(tmp, 'project'), { n: 5000 })
  const session = await openBenchPage(tmp, big.dir)
  try {
    const page = session.page
    await page.goto(session.url)
    await page.getByTestId('tab-queries').click()
    await page.locator('[data-testid="tile"] canvas[data-ready="true"]').first().waitFor({ timeout: 30_000 })
    const frames = await measureGridScroll(page)
    const s = frameSummary(frames.deltas)
    const w = frameSummary(frames.work)
    return [
      {
        name: GRID_BENCH,
        frame_ms_median: s.median,
        frame_ms_p95: s.p95,
        frame_ms_max: s.max,
        late_frames_share: s.late,
        frame_work_ms_median: w.median,
        frame_work_ms_p95: w.p95,
        frame_work_ms_max: w.max,
        frames: frames.deltas.length,
        scrolled_px: frames.distance,
        max_tiles_in_dom: frames.maxTiles,
        browser: 'chromium headless, software rendering',
      },
    ]
  } finally {
    await session.close()
    rmSync(tmp, { recursive: true, force: true })
  }
}
