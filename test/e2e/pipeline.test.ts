/**
 * End to end on real data, through the UI only: the Project screen's guided pipeline from a new project
 * to an export, on ../shared/data/vnc-sstem/vnc_stack1.h5 (raw and mitochondria labels), in headless
 * Chromium against `activeem serve` started without a project. No CLI call: every step is a card's Run.
 * Small budgets keep it to a few minutes on two cores (20 iterations, an 8x256x256 box, 2 epochs).
 * ACTIVEEM_SCREENSHOT_DIR=DIR keeps the cards at each step as DIR/pipeline/*.png.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Locator, Page } from 'playwright-core'
import { assertBrowserReady, browserTestContext, keepScreenshot } from '../helpers/browser.ts'
import { needPython, needSharedData, runPython } from '../helpers/peers.ts'

const { tmp, open } = browserTestContext('activeem-e2e-pipeline-')

async function stateOf(page: Page, step: string): Promise<string | null> {
  return page.getByTestId(`pipeline-state-${step}`).getAttribute('data-state')
}

/** Waits for a card to be done; a failed card fails the test with its reason. */
async function waitDone(page: Page, step: string, timeout: number): Promise<void> {
  const end = Date.now() + timeout
  for (;;) {
    const state = await stateOf(page, step)
    if (state === 'done') return
    if (state === 'failed') {
      const card = page.getByTestId(`pipeline-card-${step}`)
      throw new Error(`the ${step} card failed: ${await card.textContent()}`)
    }
    if (Date.now() > end) throw new Error(`the ${step} card is ${state} after ${timeout} ms`)
    await page.waitForTimeout(250)
  }
}

/** Run, then the card's phase from the job's own process (not the host's 'starting'): the ms it took. */
async function runAndSeePhase(page: Page, step: string): Promise<number> {
  const t0 = Date.now()
  await page.getByTestId(`pipeline-run-${step}`).click()
  const phase = page.getByTestId(`pipeline-phase-${step}`)
  const end = Date.now() + 30_000
  for (;;) {
    const text = (await phase.textContent().catch(() => null)) ?? ''
    if (/: (loading|iteration|tile|epoch|\w)/.test(text) && !/: starting$/.test(text)) return Date.now() - t0
    const state = await stateOf(page, step)
    if (state === 'done') return Date.now() - t0
    if (state === 'failed')
      throw new Error(
        `the ${step} card failed: ${await page.getByTestId(`pipeline-card-${step}`).textContent()}`,
      )
    const result = page.getByTestId(`pipeline-result-${step}`)
    if ((await result.count()) > 0 && (await result.getAttribute('class'))?.includes('bad'))
      throw new Error(`${step} refused: ${await result.textContent()}`)
    if (Date.now() > end) throw new Error(`no phase on the ${step} card 30 s after Run: '${text}'`)
    await page.waitForTimeout(50)
  }
}

async function shot(page: Page, target: Locator | null, name: string): Promise<void> {
  const png = target ? await target.screenshot() : await page.screenshot()
  keepScreenshot(png, tmp, `pipeline/${name}`)
}

async function fill(locator: Locator, value: string): Promise<void> {
  await locator.fill(value)
  await locator.press('Tab')
}

test(
  'guided pipeline on vnc_stack1 through the UI: new project to export, the labels in the exported files',
  { timeout: 600_000 },
  async (t) => {
    const data = needSharedData(t, 'vnc-sstem')
    if (!data || !needPython(t, ['h5py', 'numpy'])) return
    assertBrowserReady()
    const h5 = join(data, 'vnc_stack1.h5')
    const projectDir = join(tmp, 'vnc-mito')
    const { page, problems } = await open(null, { width: 1100, height: 900 })

    // 1. New project, from the page with no project open.
    await page.getByTestId('new-project-open').click()
    await page.getByTestId('new-project-dir').fill(projectDir)
    await page.getByTestId('new-project-name').fill('vnc mito')
    await page.getByTestId('new-project-create').click()
    await page.getByTestId('pipeline').waitFor({ timeout: 20_000 })
    assert.equal(await stateOf(page, 'volumes'), 'not-started')
    assert.match(
      (await page.getByTestId('pipeline-needs-train').textContent()) ?? '',
      /a model must first learn your own labels/,
    )
    await shot(page, null, '01-new-project.png')

    // 2. Add the raw volume and the mitochondria labels (the file's listing stays open after an Add).
    await page.getByTestId('import-path').fill(h5)
    await page.getByTestId('import-path').press('Enter')
    await page.getByTestId('import-listing').waitFor({ timeout: 20_000 })
    for (const [dataset, role, count] of [
      ['raw', 'raw', 1],
      ['labels/mitochondria', 'labels', 2],
    ] as const) {
      await page.locator(`[data-testid="dataset-tree"] tr[data-dataset="${dataset}"]`).click()
      await page.getByTestId('import-role').selectOption(role)
      await page.locator('[data-testid="import-add"]:not([disabled])', { hasText: dataset }).click()
      await page
        .locator('tr.volume-row')
        .nth(count - 1)
        .waitFor({ timeout: 20_000 })
    }
    await page
      .locator('[data-testid="pipeline-state-volumes"][data-state="done"]')
      .waitFor({ timeout: 10_000 })

    // 3. Train: the task comes from the labels' name (mito, not synapse), with a time estimate.
    const train = page.getByTestId('pipeline-card-train')
    assert.equal(await page.getByTestId('pf-train-task').inputValue(), 'mito')
    assert.equal(await page.getByTestId('pf-train-raw').inputValue(), `${h5}#raw`)
    assert.equal(await page.getByTestId('pf-train-labels').inputValue(), `${h5}#labels/mitochondria`)
    await fill(page.getByTestId('pf-train-iterations'), '20')
    assert.match((await page.getByTestId('pf-train-estimate').textContent()) ?? '', /about \d+ s/)
    await page.getByTestId('pipeline-advanced-train').fill('--seed 2')
    const phaseMs = await runAndSeePhase(page, 'train')
    t.diagnostic(`train: the card showed the job's phase ${phaseMs} ms after Run`)
    await shot(page, train, '02-train-running.png')
    await waitDone(page, 'train', 240_000)

    // 4. Predict an 8x256x256 box of the raw volume.
    for (const [axis, v] of Object.entries({ z0: 6, z1: 14, y0: 384, y1: 640, x0: 384, x1: 640 }))
      await fill(page.getByTestId(`pf-predict-${axis}`), String(v))
    assert.match((await page.getByTestId('pf-predict-estimate').textContent()) ?? '', /0\.52 M voxels/)
    await runAndSeePhase(page, 'predict')
    await waitDone(page, 'predict', 120_000)

    // 5. Proposals: the map's raw volume and box are the app's to pair (nothing typed).
    await runAndSeePhase(page, 'proposals')
    await waitDone(page, 'proposals', 120_000)
    const proposals = (await page.getByTestId('pipeline-card-proposals').textContent()) ?? ''
    const rois = Number(/set 1: (\d+) ROIs/.exec(proposals)?.[1] ?? 0)
    assert.ok(rois >= 6, `the 20-iteration model proposed ${rois} ROIs, 6 needed for the round: ${proposals}`)
    await shot(page, page.getByTestId('pipeline-card-proposals'), '03-proposals.png')

    // 6. Embed, 7. suggest six queries.
    await fill(page.getByTestId('pf-embed-epochs'), '2')
    await runAndSeePhase(page, 'embed')
    await waitDone(page, 'embed', 180_000)
    await fill(page.getByTestId('pf-suggest-N'), '3')
    await fill(page.getByTestId('pf-suggest-M'), '2')
    await fill(page.getByTestId('pf-suggest-Q'), '1')
    await runAndSeePhase(page, 'suggest')
    await waitDone(page, 'suggest', 120_000)

    // 8. Label five queries on the Queries screen.
    await page.getByTestId('pipeline-run-label').click()
    await page.locator('[data-testid="tile"][data-roi]').first().click()
    const given = new Map<number, 'correct' | 'incorrect'>()
    for (let i = 0; i < 5; i++) {
      const focused = page.locator('[data-testid="tile"][data-focused="true"]')
      const roi = Number(await focused.getAttribute('data-roi'))
      const value = i % 2 === 0 ? 'correct' : 'incorrect'
      await page.keyboard.press(value === 'correct' ? 'y' : 'n')
      await page
        .locator(`[data-testid="tile"][data-roi="${roi}"][data-label="${value}"]`)
        .waitFor({ timeout: 10_000 })
      given.set(roi, value)
      // The label moved the focus on to the next query by itself (the grid's "Advance").
    }
    assert.equal(given.size, 5)
    await page.getByTestId('tab-project').click()
    await page.getByTestId('pipeline').waitFor()
    await page
      .locator('[data-testid="pipeline-card-label"]', { hasText: '5 of 6 queries judged' })
      .waitFor({ timeout: 10_000 })

    // 9. Fine-tune on them (a few iterations), 10. export.
    await fill(page.getByTestId('pf-finetune-iterations'), '4')
    await runAndSeePhase(page, 'finetune')
    await shot(page, page.getByTestId('pipeline-card-finetune'), '04-finetune-running.png')
    await waitDone(page, 'finetune', 240_000)
    // The new version makes the map stale: its input changed.
    await page
      .locator('[data-testid="pipeline-state-predict"][data-state="stale"]')
      .waitFor({ timeout: 10_000 })
    const out = join(tmp, 'export')
    await fill(page.getByTestId('pf-export-out'), out)
    await page.getByTestId('pipeline-run-export').click()
    await waitDone(page, 'export', 120_000)
    await shot(page, page.getByTestId('pipeline-card-export'), '05-exported.png')

    // The exported files: labels.json holds the five labels given, and h5py opens export.h5, whose
    // corrected labels keep the ROIs said correct and drop those said incorrect.
    const labels = JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8')) as {
      rois: Array<{ roi: number; majority: string }>
    }
    const exported = new Map(labels.rois.map((r) => [r.roi, r.majority]))
    for (const [roi, value] of given) assert.equal(exported.get(roi), value, `ROI ${roi}`)
    const report = JSON.parse(
      runPython(
        `
import h5py, json, sys, numpy as np
with h5py.File(sys.argv[1], 'r') as f:
    inst = f['labels/instances'][...]
    corr = f['labels/corrected'][...]
    print(json.dumps({'instances': sorted(int(v) for v in np.unique(inst) if v),
                      'corrected': sorted(int(v) for v in np.unique(corr) if v),
                      'resolution': [float(v) for v in f['labels'].attrs['resolution']]}))
`,
        [join(out, 'export.h5')],
      ),
    ) as { instances: number[]; corrected: number[]; resolution: number[] }
    for (const [roi, value] of given) {
      assert.ok(report.instances.includes(roi), `ROI ${roi} is in labels/instances`)
      assert.equal(
        report.corrected.includes(roi),
        value === 'correct',
        `ROI ${roi} (${value}) in labels/corrected`,
      )
    }
    assert.deepEqual(report.resolution, [50, 4.6, 4.6])
    assert.deepEqual(problems, [])
  },
)
