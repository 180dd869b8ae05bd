import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InputError } from '../../engine/errors.ts'
import { openBenchPage } from './bench-page.ts'
import { buildBigRound } from './big-round.ts'
import { gridPrerequisiteMissing } from './grid.ts'

export const ANNOTATE_BENCH = 'annotate-300'
const LABELS = 300

/**
 * Installed in the page as text (a function would be rewritten by tsx with helpers the page lacks).
 * A capturing keydown listener notes when Y went down for the focused tile's ROI; an observer of
 * the tiles' `data-label` notes when the host's commit put the mark on that ROI's tile, and the
 * frame after it, when it is on screen. The grid's own Y handler runs after the capture listener.
 */
const PROBE = `(() => {
  const w = window
  w.__down = new Map()
  w.__lat = []
  w.addEventListener('keydown', (e) => {
    if (e.key !== 'y') return
    const tile = document.querySelector('[data-testid="tile"][data-focused="true"]')
    if (tile) w.__down.set(tile.dataset.roi, performance.now())
  }, true)
  new MutationObserver((records) => {
    for (const r of records) {
      const el = r.target
      const roi = el.dataset && el.dataset.roi
      if (!roi || !el.dataset.label || !w.__down.has(roi)) continue
      const t0 = w.__down.get(roi)
      w.__down.delete(roi)
      const marked = performance.now() - t0
      requestAnimationFrame(() => w.__lat.push([marked, performance.now() - t0]))
    }
  }).observe(document.querySelector('[data-testid="grid-viewport"]'), {
    subtree: true,
    attributes: true,
    attributeFilter: ['data-label'],
  })
})()`

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

/**
 * A scripted keyboard session in the query grid: 300 queries labelled in a row (Y, the focus
 * advancing by itself, Y, ...), each press sent as soon as the last mark is on its tile. Reports the
 * time from the key press to the committed mark (the tile shows a label only once the host has
 * written it to the project database) and to the frame that draws it, and the labels per minute
 * this loop allows.
 */
export async function benchAnnotate(): Promise<Array<{ name: string; [key: string]: unknown }>> {
  const missing = gridPrerequisiteMissing()
  if (missing) throw new InputError(`bench: ${missing}`)
  const tmp = mkdtempSync(join(tmpdir(), 'activeem-bench-annotate-'))
  const big = await buildBigRound(join(tmp, 'project'), { n: LABELS + 100 })
  const session = await openBenchPage(tmp, big.dir)
  try {
    const page = session.page
    await page.goto(session.url)
    await page.getByTestId('tab-queries').click()
    await page.locator('[data-testid="tile"] canvas[data-ready="true"]').first().waitFor({ timeout: 30_000 })
    await page.locator(`[data-testid="tile"][data-roi="${big.rois[0]}"]`).click()
    await page.evaluate(PROBE)
    const started = performance.now()
    for (let i = 0; i < LABELS; i++) {
      await page.keyboard.press('y')
      // Polled from here: the page's CSP (no 'unsafe-eval') refuses waitForFunction's in-page timer.
      const deadline = performance.now() + 15_000
      while (((await page.evaluate('window.__lat.length')) as number) < i + 1) {
        if (performance.now() > deadline) throw new Error(`label ${i + 1}: no committed mark within 15 s`)
        await new Promise((r) => setTimeout(r, 2))
      }
    }
    const seconds = (performance.now() - started) / 1000
    const lat = (await page.evaluate('window.__lat')) as Array<[number, number]>
    const marked = lat.map((l) => l[0]).sort((a, b) => a - b)
    const drawn = lat.map((l) => l[1]).sort((a, b) => a - b)
    const round = (x: number): number => Math.round(x * 10) / 10
    return [
      {
        name: ANNOTATE_BENCH,
        labels: lat.length,
        key_to_mark_ms_median: round(quantile(marked, 0.5)),
        key_to_mark_ms_p95: round(quantile(marked, 0.95)),
        key_to_frame_ms_median: round(quantile(drawn, 0.5)),
        key_to_frame_ms_p95: round(quantile(drawn, 0.95)),
        labels_per_minute: Math.round((lat.length / seconds) * 60),
        session_s: round(seconds),
        browser: 'chromium headless, software rendering',
      },
    ]
  } finally {
    await session.close()
    rmSync(tmp, { recursive: true, force: true })
  }
}
