/**
 * End to end: the query grid on a round of 5,000 queries (src-main/cli/bench/big-round.ts), `activeem serve`
 * as a child process, the built renderer in headless Chromium. Needs `npx electron-vite build` first and
 * Chromium at /usr/bin/chromium (or ACTIVEEM_CHROMIUM). ACTIVEEM_SCREENSHOT_DIR=DIR keeps grid.png.
 * Frame times while scrolling are printed, never asserted (they depend on the machine).
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { dispatch } from '../../src-main/api/handlers.ts'
import type { ApiResult } from '../../src-shared/contract.ts'
import { frameSummary, measureGridScroll } from '../../src-main/cli/bench/grid.ts'
import { buildBigRound } from '../../src-main/cli/bench/big-round.ts'
import { assertBrowserReady, browserTestContext, keepScreenshot } from '../helpers/browser.ts'
const N = 5000

const { tmp, open } = browserTestContext('activeem-grid-e2e-')

/** The few browser APIs the in-page checks use (the node tsconfig has no DOM lib). */
interface PageCanvas {
  width: number
  height: number
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray }
  }
}

interface TilePixels {
  greyLevels: number
  pre: number
  post: number
}

/** Grey levels and outline colours (cyan pre-synaptic, magenta post-synaptic) on one tile's canvas. */
async function tilePixels(page: Page, roi: number): Promise<TilePixels> {
  return page.locator(`[data-testid="tile"][data-roi="${roi}"] canvas`).evaluate((element) => {
    const canvas = element as unknown as PageCanvas
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
    const greys = new Set<number>()
    let pre = 0
    let post = 0
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!]
      if (r === g && g === b) greys.add(r)
      else if (r < 60 && g > 200 && b > 200) pre++
      else if (r > 200 && g < 100 && b > 200) post++
    }
    return { greyLevels: greys.size, pre, post }
  })
}

async function tileAttr(page: Page, roi: number, name: string): Promise<string | null> {
  return page.locator(`[data-testid="tile"][data-roi="${roi}"]`).getAttribute(name)
}

async function waitLabel(page: Page, roi: number, label: string): Promise<void> {
  await page
    .locator(`[data-testid="tile"][data-roi="${roi}"][data-label="${label}"]`)
    .waitFor({ timeout: 10_000 })
}

test(
  'query grid: 5,000 thumbnails, virtualised, labelled by keyboard, smooth to scroll',
  { timeout: 240_000 },
  async (t) => {
    assertBrowserReady()

    const big = await buildBigRound(join(tmp, 'project'), { n: N })
    const { page, problems } = await open(big.dir, { width: 1280, height: 900 })
    await page.getByTestId('tab-queries').click()
    await page.getByTestId('query-grid').waitFor({ timeout: 15_000 })
    const [first, second, third] = big.rois as [number, number, number]
    await page
      .locator(`[data-testid="tile"][data-roi="${first}"] canvas[data-ready="true"]`)
      .waitFor({ timeout: 30_000 })
    await page
      .locator(`[data-testid="tile"][data-roi="${third}"] canvas[data-ready="true"]`)
      .waitFor({ timeout: 30_000 })

    // The round in display order: the first tiles are the round's first queries, the first one focused.
    assert.equal(await tileAttr(page, first, 'data-cluster'), String(big.clusterOf.get(first)))
    assert.equal(await tileAttr(page, first, 'data-focused'), 'true')
    assert.match((await page.getByTestId('grid-counts').textContent()) ?? '', new RegExp(`0 / ${N} labelled`))

    assert.match(
      (await page.getByTestId('filter-cluster').locator('option').first().textContent()) ?? '',
      new RegExp(`All clusters \\(${big.clusters}\\)`),
    )

    // Real thumbnails: many grey levels, and both outline colours of a synapse.
    for (const roi of [first, second, third]) {
      const px = await tilePixels(page, roi)
      assert.ok(px.greyLevels >= 32, `ROI ${roi}: ${px.greyLevels} grey levels`)
      assert.ok(px.pre >= 10, `ROI ${roi}: ${px.pre} pre-synaptic outline pixels`)
      assert.ok(px.post >= 10, `ROI ${roi}: ${px.post} post-synaptic outline pixels`)
    }

    // Virtualised: the DOM holds a few screens of tiles, not 5,000.
    const inDom = await page.locator('[data-testid="tile"]').count()
    assert.ok(inDom > 10 && inDom < 200, `${inDom} tiles in the DOM`)

    // Keys label the focused ROI and move the focus on: Y, then N, then space (unlabelled -> correct),
    // space again (-> incorrect: a toggle keeps the focus).
    await page.keyboard.press('y')
    await waitLabel(page, first, 'correct')
    assert.equal(await tileAttr(page, second, 'data-focused'), 'true')
    await page.keyboard.press('n')
    await waitLabel(page, second, 'incorrect')
    assert.equal(await tileAttr(page, third, 'data-focused'), 'true')
    await page.keyboard.press(' ')
    await waitLabel(page, third, 'correct')
    await page.keyboard.press(' ')
    await waitLabel(page, third, 'incorrect')
    // U undoes the last label: the third ROI is correct again.
    await page.keyboard.press('u')
    await waitLabel(page, third, 'correct')
    assert.match((await page.getByTestId('grid-counts').textContent()) ?? '', new RegExp(`3 / ${N} labelled`))

    // O hides the masks' outlines (the thumbnails drawn again without them), and shows them again.
    const outlineIs = async (shown: boolean): Promise<void> => {
      for (let tries = 0; ; tries++) {
        const px = await tilePixels(page, first)
        if (shown ? px.pre >= 10 && px.post >= 10 : px.pre + px.post === 0 && px.greyLevels >= 32) return
        assert.ok(tries < 100, `outline ${shown ? 'shown' : 'hidden'}: ${JSON.stringify(px)}`)
        await page.waitForTimeout(100)
      }
    }
    await page.keyboard.press('o')
    await outlineIs(false)
    await page.keyboard.press('o')
    await outlineIs(true)
    // The thumbnail size is the annotator's: 192 px images, then back to 128.
    const frame = page.locator(`[data-testid="tile"][data-roi="${first}"] .frame`)
    await page.getByTestId('grid-tile-size').selectOption('192')
    assert.equal((await frame.boundingBox())?.width, 192)
    await page.getByTestId('grid-tile-size').selectOption('128')
    assert.equal((await frame.boundingBox())?.width, 128)

    // Shift-A on the last (small) cluster, shown alone through the cluster filter.
    const lastCluster = big.clusterOf.get(big.rois.at(-1)!)!
    const members = big.rois.filter((roi) => big.clusterOf.get(roi) === lastCluster)
    await page.getByTestId('filter-cluster').selectOption(String(lastCluster))
    await page.locator(`[data-testid="tile"][data-roi="${members[0]}"]`).click()
    await page.keyboard.press('Shift+A')
    for (const roi of members) await waitLabel(page, roi, 'correct')
    await page.getByTestId('filter-cluster').selectOption('')

    const png = await page.screenshot()
    keepScreenshot(png, tmp, 'grid.png')
    assert.ok(png.length > 10_000)

    // The labels are in the project, under the page's annotator.
    const annotator = await page.getByTestId('annotator').inputValue()
    const reply = await dispatch(
      { id: 1, method: 'labels.get', params: { dir: big.dir, set: big.setId, annotator } },
      { transport: 'web', project: big.dir },
    )
    assert.ok(reply.ok, JSON.stringify(reply))
    const labels = reply.result as ApiResult<'labels.get'>
    const expected: Record<string, string> = { [first]: 'correct', [second]: 'incorrect', [third]: 'correct' }
    for (const roi of members) expected[roi] = 'correct'
    assert.deepEqual(labels.mine, expected)

    // Scroll through the whole grid, one step per frame; the end shows the last cluster and the last query.
    const frames = await measureGridScroll(page)
    const s = frameSummary(frames.deltas)
    const w = frameSummary(frames.work)
    const report = `grid scroll over ${frames.distance} px, ${frames.deltas.length} frames: median ${s.median} ms, p95 ${s.p95} ms, max ${s.max} ms, ${(s.late * 100).toFixed(1)}% of frames late (over 25 ms); main-thread work per frame median ${w.median} ms, p95 ${w.p95} ms; at most ${frames.maxTiles} tiles in the DOM`
    assert.equal(frames.work.length, frames.deltas.length)
    assert.ok(
      frames.work.every((ms) => ms > 0),
      'every frame has a positive work time',
    )
    t.diagnostic(report)
    assert.ok(frames.maxTiles < 200, `${frames.maxTiles} tiles in the DOM while scrolling`)
    // The last cluster is named at the top: its own header, or the pinned one once that scrolled away.
    await page
      .locator(
        `[data-testid="cluster-header"][data-cluster="${lastCluster}"], [data-testid="cluster-header-pinned"][data-cluster="${lastCluster}"]`,
      )
      .first()
      .waitFor({ timeout: 10_000 })
    await page.locator(`[data-testid="tile"][data-roi="${big.rois.at(-1)}"]`).waitFor({ timeout: 10_000 })
    await page
      .locator(`[data-testid="tile"][data-roi="${big.rois.at(-1)}"] canvas[data-ready="true"]`)
      .waitFor({ timeout: 30_000 })

    const banner = page.getByTestId('error-banner')
    assert.equal(
      await banner.count(),
      0,
      `error banner shown: ${(await banner.allTextContents()).join(' | ')}`,
    )
    assert.deepEqual(problems, [], 'no console errors or page errors')
  },
)
