/**
 * End to end: the volume viewer on a demo project, `activeem serve` as a child process, the built
 * renderer in headless Chromium (WebGL2 through SwiftShader). Every view is checked by its PIXELS
 * (element screenshots: the WebGL canvases do not preserve their drawing buffer), the probability
 * toggle and window/level by how the pixels change, and picking and centring through the ROI marks.
 * Needs `npx electron-vite build` first (out/renderer) and Chromium at /usr/bin/chromium (or
 * ACTIVEEM_CHROMIUM). ACTIVEEM_SCREENSHOT_DIR=DIR keeps viewer-selected.png.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Locator } from 'playwright-core'
import type { ProjectSummary } from '../../src-shared/contract.ts'
import { assertBrowserReady, browserTestContext, keepScreenshot, pngStats } from '../helpers/browser.ts'
import { demoProject } from '../helpers/cli.ts'
const VIEWS = ['xy', 'xz', 'yz', '3d'] as const

const { tmp, open } = browserTestContext('activeem-viewer-e2e-')

/** The part of the DOM the in-page checks touch (the node tsconfig has no DOM lib). */
interface PageElement {
  dataset: Record<string, string | undefined>
  getBoundingClientRect(): { x: number; y: number; width: number; height: number }
}
interface BrowserGlobals {
  document: {
    querySelector(selector: string): PageElement | null
    querySelectorAll(selector: string): Iterable<PageElement>
  }
}

/** A screenshot of one view taken after it drew at least one frame more than `since`. */
async function viewShot(view: Locator, since: number): Promise<{ png: Buffer; frame: number }> {
  await view.page().waitForFunction(
    ([selector, before]) => {
      const el = (globalThis as unknown as BrowserGlobals).document.querySelector(selector)
      return Number(el?.dataset.frame ?? 0) > before
    },
    [`[data-testid="${await view.getAttribute('data-testid')}"]`, since] as const,
    { timeout: 20_000 },
  )
  const frame = Number(await view.getAttribute('data-frame'))
  return { png: await view.screenshot(), frame }
}

async function frameOf(view: Locator): Promise<number> {
  return Number((await view.getAttribute('data-frame')) ?? 0)
}

test(
  'viewer: four vtk.js views of real data, probability toggle, window/level, pick and centre on an ROI',
  { timeout: 240_000 },
  async () => {
    assertBrowserReady()

    const demo = demoProject<{ project: ProjectSummary }>(join(tmp, 'demo'), '32,128,128', 2)
    const { page, problems } = await open(demo.project.dir, { width: 1280, height: 900 })
    await page.getByTestId('tab-viewer').click()
    const viewer = page.getByTestId('viewer')
    await viewer.waitFor({ timeout: 15_000 })

    // Every view settles: ready, or an error whose message the test shows.
    await page.waitForFunction(
      (ids) =>
        ids.every((id) => {
          const state = (globalThis as unknown as BrowserGlobals).document.querySelector(
            `[data-testid="view-${id}"]`,
          )?.dataset.state
          return state === 'ready' || state === 'error'
        }),
      VIEWS,
      { timeout: 60_000 },
    )
    for (const id of VIEWS) {
      const view = page.getByTestId(`view-${id}`)
      assert.equal(
        await view.getAttribute('data-state'),
        'ready',
        `view ${id}: ${await view.textContent()} | problems: ${problems.join(' | ')}`,
      )
    }

    // Pixels of every view: image content, not a blank or flat canvas.
    for (const id of VIEWS) {
      const view = page.getByTestId(`view-${id}`)
      const box = await view.boundingBox()
      assert.ok(
        box && box.width >= 200 && box.height >= 150,
        `view ${id} is laid out: ${JSON.stringify(box)}`,
      )
      const { png } = await viewShot(view, 0)
      const stats = await pngStats(page, png)
      assert.ok(stats.greyLevels >= 64, `view ${id}: only ${stats.greyLevels} grey levels`)
      assert.ok(stats.greyStd > 12, `view ${id}: grey std ${stats.greyStd.toFixed(2)}`)
      assert.ok(
        stats.dominantShare < 0.85,
        `view ${id}: one colour covers ${(stats.dominantShare * 100).toFixed(1)}%`,
      )
      if (id !== '3d')
        assert.ok(stats.orange > 30, `view ${id}: the probability overlay shows (${stats.orange} px)`)
    }

    // The probability toggle: the overlay's colours go away in xy, and come back.
    const xy = page.getByTestId('view-xy')
    const withMap = await viewShot(xy, 0)
    await page.getByTestId('toggle-probability').click()
    const withoutMap = await viewShot(xy, withMap.frame)
    const on = await pngStats(page, withMap.png, withoutMap.png)
    const off = await pngStats(page, withoutMap.png)
    assert.ok(on.changed > 200, `the toggle changed only ${on.changed} pixels`)
    assert.ok(off.orange * 10 < on.orange, `overlay colours: ${on.orange} px on, ${off.orange} px off`)
    assert.ok(off.greyLevels >= 64, 'the image stays without the overlay')
    await page.getByTestId('toggle-probability').click()
    const back = await viewShot(xy, withoutMap.frame)
    assert.ok((await pngStats(page, back.png)).orange > on.orange / 2, 'the overlay comes back')

    // Window/level: a low level brightens the image.
    await page.getByTestId('viewer-level').fill('60')
    const brighter = await viewShot(xy, back.frame)
    const after = await pngStats(page, brighter.png, back.png)
    assert.ok(after.changed > 1000, `window/level changed only ${after.changed} pixels`)
    await page.getByTestId('viewer-level').fill('128')

    // A click on an ROI's centroid mark in xy selects that ROI.
    const marks = xy.locator('circle[data-roi-centroid]')
    assert.ok((await marks.count()) > 0, 'ROI marks in the xy view')
    const viewBox = (await xy.boundingBox())!
    let target: { id: string; x: number; y: number } | null = null
    for (const mark of await marks.all()) {
      const b = await mark.boundingBox()
      if (!b) continue
      const x = b.x + b.width / 2
      const y = b.y + b.height / 2
      // Away from the view's edges and its corner labels.
      if (x < viewBox.x + 60 || x > viewBox.x + viewBox.width - 60) continue
      if (y < viewBox.y + 40 || y > viewBox.y + viewBox.height - 60) continue
      target = { id: (await mark.getAttribute('data-roi-centroid'))!, x, y }
      break
    }
    assert.ok(target, 'an ROI mark away from the view edges')
    await page.mouse.click(target.x, target.y)
    await page.waitForFunction(
      (id) =>
        (globalThis as unknown as BrowserGlobals).document.querySelector('[data-testid="viewer"]')?.dataset
          .selectedRoi === id,
      target.id,
      { timeout: 5000 },
    )
    assert.match(
      (await page.getByTestId('viewer-selection').textContent()) ?? '',
      new RegExp(`ROI ${target.id}\\b`),
    )

    // Selecting through the store (the "next ROI" button calls the same select() as the query grid)
    // centres every slice view on that ROI's centroid.
    const frameBefore = await frameOf(xy)
    await viewer.locator('button[title="Next ROI"]').click()
    const next = await viewer.getAttribute('data-selected-roi')
    assert.ok(next && next !== target.id, `the next ROI is selected (${next})`)
    await viewShot(xy, frameBefore)
    for (const id of ['xy', 'xz', 'yz'] as const) {
      const view = page.getByTestId(`view-${id}`)
      const b = (await view.boundingBox())!
      const mark = view.locator(`circle[data-roi-centroid="${next}"]`)
      await mark.waitFor({ timeout: 5000 })
      const m = (await mark.boundingBox())!
      const dx = m.x + m.width / 2 - (b.x + b.width / 2)
      const dy = m.y + m.height / 2 - (b.y + b.height / 2)
      // The centroid is continuous, the focus a voxel: within a voxel (a few pixels at this zoom).
      assert.ok(
        Math.hypot(dx, dy) < 8,
        `view ${id}: ROI ${next} is ${dx.toFixed(1)}, ${dy.toFixed(1)} px off centre`,
      )
    }

    // A click (no drag) on an ROI box in the 3D view selects that ROI: try points over the view until one hits.
    const before = await viewer.getAttribute('data-selected-roi')
    const box3d = (await page.getByTestId('view-3d').boundingBox())!
    let picked: string | null = before
    for (let i = 1; i < 12 && picked === before; i++)
      for (let j = 1; j < 8 && picked === before; j++) {
        await page.mouse.click(box3d.x + (box3d.width * i) / 12, box3d.y + (box3d.height * j) / 8)
        picked = await viewer.getAttribute('data-selected-roi')
      }
    assert.ok(picked && picked !== before, 'a click on an ROI in the 3D view selects it')

    const banner = page.getByTestId('error-banner')
    assert.equal(
      await banner.count(),
      0,
      `error banner shown: ${(await banner.allTextContents()).join(' | ')}`,
    )

    keepScreenshot(await page.screenshot({ fullPage: true }), tmp, 'viewer-selected.png')

    assert.deepEqual(problems, [], 'no console errors or page errors')
  },
)
