/**
 * End to end, the workstation as a proofreader uses it (issue 6, must show 1): a demo project served
 * by `activeem serve`, the built renderer in headless Chromium. Drop a volume and add it; the viewer
 * draws every view (pixels checked); the query grid is labelled by keyboard, 20 ROIs with one undo;
 * after a reload the 19 labels are on the page and in SQLite. Also: help overlay, jobs, export.
 * ACTIVEEM_SCREENSHOT_DIR=DIR keeps a screenshot of each screen (how docs/ is made; jobs.png comes from
 * jobs.test.ts, which shows a job running).
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'
import Database from 'better-sqlite3'
import type { Page } from 'playwright-core'
import type { ProjectSummary } from '../../src-shared/contract.ts'
import { assertBrowserReady, browserTestContext, keepScreenshot, pngStats } from '../helpers/browser.ts'
import { cliJson, demoProject } from '../helpers/cli.ts'

const { tmp, open } = browserTestContext('activeem-e2e-')

/** The part of the DOM the in-page checks touch (the node tsconfig has no DOM lib). */
interface Doc {
  querySelector(selector: string): { dataset: Record<string, string | undefined> } | null
}

/** The current labels of `annotator` as committed in the project database, read by a second connection. */
function committedLabels(dir: string, annotator: string): { current: Record<number, string>; rows: number } {
  const db = new Database(join(dir, 'activeem.sqlite'), { readonly: true })
  try {
    const rows = db
      .prepare(
        `SELECT l.roi_id AS roi, l.value FROM labels l JOIN (SELECT MAX(id) AS id FROM labels
         WHERE annotator = ? GROUP BY set_id, roi_id) last ON last.id = l.id`,
      )
      .all(annotator) as Array<{ roi: number; value: string | null }>
    const current: Record<number, string> = {}
    for (const r of rows) if (r.value !== null) current[r.roi] = r.value
    const count = (
      db.prepare('SELECT COUNT(*) AS n FROM labels WHERE annotator = ?').get(annotator) as { n: number }
    ).n
    return { current, rows: count }
  } finally {
    db.close()
  }
}

async function expectDrawn(page: Page, testId: string, minLevels: number): Promise<void> {
  const png = await page.getByTestId(testId).screenshot()
  const stats = await pngStats(page, png)
  assert.ok(stats.width >= 100 && stats.height >= 100, `${testId}: ${stats.width}×${stats.height}`)
  assert.ok(stats.greyLevels >= minLevels, `${testId}: only ${stats.greyLevels} grey levels`)
  assert.ok(stats.greyStd > 8, `${testId}: grey-level std ${stats.greyStd.toFixed(2)}, a blank view?`)
  assert.ok(
    stats.dominantShare < 0.9,
    `${testId}: one colour covers ${(stats.dominantShare * 100).toFixed(0)}%`,
  )
}

test(
  'workstation: drop a volume, viewer draws, label 20 ROIs by keyboard with one undo, reload keeps 19',
  { timeout: 420_000 },
  async () => {
    assertBrowserReady()
    const demo = demoProject<{ project: ProjectSummary }>(join(tmp, 'demo'), '32,256,256', 60)
    const dir = demo.project.dir
    // A second round of about 30 queries (clusters of ROIs all asked in round 1 give none): the page shows
    // the latest round. The demo's round 1 is unlabelled, so the second is started knowingly (--force).
    const round = cliJson<{ round: number; queries: unknown[] }>([
      'suggest',
      ...['--project', dir, '--strategy', 'two-stream', '--N', '32', '--M', '1', '--seed', '1', '--force'],
    ])
    const total = round.queries.length
    assert.ok(total >= 21 && total <= 32, `${total} queries in the second round`)

    const { page, problems } = await open(dir)
    const shots = (name: string, png: Buffer): string => keepScreenshot(png, tmp, name)

    await page.getByRole('heading', { name: 'ActiveEM', exact: true }).waitFor({ timeout: 15_000 })
    for (const volume of demo.project.volumes)
      await page.locator(`tr.volume-row[data-volume="${volume.name}"]`).waitFor({ timeout: 20_000 })

    // 1. Drop the held-out volume (a path the host can read: a browser never reveals a dropped file's path).
    const heldOut = join(tmp, 'demo', 'held-out', 'synthetic.h5')
    await page.getByTestId('drop-zone').evaluate((zone, uri) => {
      const g = globalThis as unknown as {
        DataTransfer: new () => { setData(kind: string, value: string): void }
        DragEvent: new (type: string, init: object) => unknown
      }
      const data = new g.DataTransfer()
      data.setData('text/uri-list', uri)
      const target = zone as unknown as { dispatchEvent(event: unknown): boolean }
      target.dispatchEvent(
        new g.DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }),
      )
      target.dispatchEvent(new g.DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }))
    }, pathToFileURL(heldOut).href)
    await page.getByTestId('import-listing').waitFor({ timeout: 15_000 })
    await page.locator('[data-testid="dataset-tree"] tr[data-dataset="raw"]').click()
    assert.equal(
      await page.getByTestId('import-role').inputValue(),
      'raw',
      'a dataset named raw is guessed raw',
    )
    await page.getByTestId('import-volume').getByRole('textbox', { name: 'Name' }).fill('held-out')
    await page.getByTestId('import-add').click()
    await page.getByTestId('import-added').waitFor({ timeout: 15_000 })
    const row = page.locator('tr.volume-row[data-volume="held-out"]')
    await row.waitFor({ timeout: 15_000 })
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: Doc }).document.querySelector(
          'tr[data-volume="held-out"] canvas[data-testid="slice-thumb"]',
        )?.dataset.state === 'ready',
      undefined,
      { timeout: 20_000 },
    )
    assert.match((await row.textContent()) ?? '', /32 × 256 × 256/)
    // Its thumbnail holds image content: many grey levels, real contrast.
    const thumb = await row.locator('canvas[data-testid="slice-thumb"]').evaluate((element) => {
      const canvas = element as unknown as {
        width: number
        height: number
        getContext(kind: '2d'): {
          getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray }
        }
      }
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
      const levels = new Set<number>()
      let sum = 0
      let sumSq = 0
      for (let i = 0; i < data.length; i += 4) {
        levels.add(data[i]!)
        sum += data[i]!
        sumSq += data[i]! * data[i]!
      }
      const n = data.length / 4
      return { levels: levels.size, variance: sumSq / n - (sum / n) ** 2 }
    })
    assert.ok(thumb.levels >= 16 && thumb.variance > 100, `thumbnail: ${JSON.stringify(thumb)}`)
    const projectShot = await page.screenshot({ fullPage: true })
    shots('project.png', projectShot)
    const projectStats = await pngStats(page, projectShot)
    assert.ok(projectStats.distinctColours >= 256 && projectStats.greyStd > 10, 'the project screen is drawn')

    // 2. The viewer draws every view: three slices and the 3D rendering.
    await page.getByTestId('tab-viewer').click()
    for (const view of ['view-xy', 'view-xz', 'view-yz', 'view-3d'])
      await page.locator(`[data-testid="${view}"][data-state="ready"]`).waitFor({ timeout: 60_000 })
    for (const view of ['view-xy', 'view-xz', 'view-yz']) await expectDrawn(page, view, 32)
    await expectDrawn(page, 'view-3d', 16)
    shots('viewer.png', await page.screenshot())

    // 3. The query grid: the latest round; 20 labelled by keyboard, then one undo.
    await page.getByTestId('tab-queries').click()
    const counts = page.getByTestId('grid-counts')
    await counts.filter({ hasText: `0 / ${total} labelled` }).waitFor({ timeout: 20_000 })
    await page.locator('[data-testid="tile"][data-roi]').first().click()
    const expected = new Map<number, string>()
    let last = 0
    for (let i = 0; i < 20; i++) {
      const focused = page.locator('[data-testid="tile"][data-focused="true"]')
      const roi = Number(await focused.getAttribute('data-roi'))
      assert.ok(!expected.has(roi), `tile ${i}: ROI ${roi} is a new one`)
      const value = i % 4 === 3 ? 'incorrect' : 'correct'
      await page.keyboard.press(value === 'correct' ? 'y' : 'n')
      // The tile shows the label only once the host committed it.
      await page
        .locator(`[data-testid="tile"][data-roi="${roi}"][data-label="${value}"]`)
        .waitFor({ timeout: 10_000 })
      expected.set(roi, value)
      last = roi
      // A label moves the focus on by itself (the grid's "Advance", on by default).
    }
    await counts.filter({ hasText: `20 / ${total} labelled` }).waitFor({ timeout: 10_000 })
    await page.keyboard.press('u')
    await page.locator(`[data-testid="tile"][data-roi="${last}"][data-label=""]`).waitFor({ timeout: 10_000 })
    expected.delete(last)
    await counts.filter({ hasText: `19 / ${total} labelled` }).waitFor({ timeout: 10_000 })
    shots('queries.png', await page.screenshot())
    const annotator = await page.getByTestId('annotator').inputValue()
    assert.ok(annotator.length > 0, 'an annotator name is shown')

    // 4. Reload: the 19 labels come back from the project, on the page and in SQLite.
    await page.reload()
    await page.getByTestId('tab-queries').click()
    await counts.filter({ hasText: `19 / ${total} labelled` }).waitFor({ timeout: 20_000 })
    // Walk the whole round from the first tile: every tile shows the label stored before the reload.
    await page.keyboard.press('Home')
    const seen = new Map<number, string>()
    for (let i = 0; i < total; i++) {
      const focused = page.locator('[data-testid="tile"][data-focused="true"]')
      await focused.waitFor()
      seen.set(
        Number(await focused.getAttribute('data-roi')),
        (await focused.getAttribute('data-label')) ?? '',
      )
      await page.keyboard.press('ArrowRight')
    }
    assert.equal(seen.size, total, 'every query of the round was visited')
    for (const [roi, label] of seen) assert.equal(label, expected.get(roi) ?? '', `ROI ${roi} after reload`)
    const stored = committedLabels(dir, annotator)
    assert.deepEqual(stored.current, Object.fromEntries(expected))
    assert.equal(stored.rows, 21, '20 labels and one undo row')

    // 5. Help overlay, jobs and export.
    await page.keyboard.press('?')
    await page.getByTestId('help-overlay').waitFor()
    shots('help.png', await page.screenshot())
    await page.keyboard.press('Escape')
    await page.getByTestId('tab-jobs').click()
    await page.locator('[data-testid="job"]').first().waitFor({ timeout: 15_000 })
    shots('jobs.png', await page.screenshot())
    await page.getByTestId('tab-project').click()
    await page.getByTestId('export-open').click()
    const out = join(tmp, 'export')
    await page.getByTestId('export-out').fill(out)
    await page.getByTestId('export-run').click()
    await page.getByTestId('export-done').waitFor({ timeout: 60_000 })
    shots('export.png', await page.screenshot())
    assert.ok(existsSync(join(out, 'manifest.json')), 'the export folder has its manifest')
    assert.match((await page.getByTestId('export-done').textContent()) ?? '', /19 labelled/)

    const banner = page.getByTestId('error-banner')
    assert.equal(await banner.count(), 0, `error banner: ${(await banner.allTextContents()).join(' | ')}`)
    assert.deepEqual(problems, [], 'no console errors or page errors')
  },
)
