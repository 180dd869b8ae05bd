/**
 * End to end: the Jobs screen of the built renderer served by `activeem serve`, in headless Chromium.
 * A train job is started from the Run form, shown live (progress, ETA, loss curve), cancelled from its
 * card. Needs `npx electron-vite build` first. ACTIVEEM_SCREENSHOT_DIR=DIR keeps jobs.png there.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import type { ProjectSummary } from '../../src-shared/contract.ts'
import { assertBrowserReady, browserTestContext, keepScreenshot } from '../helpers/browser.ts'
import { demoProject } from '../helpers/cli.ts'

const { tmp, open, onClose } = browserTestContext('activeem-e2e-jobs-')
const started: number[] = []

onClose(() => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // ended already
    }
  }
})

/** The bit of the page's DOM the in-page checks read (the node tsconfig has no DOM lib). */
interface PageGlobals {
  document: {
    querySelector(
      selector: string,
    ): { textContent: string | null; getAttribute(name: string): string | null } | null
  }
}

test(
  'Jobs screen: run a train job from the form, watch it live, cancel it from its card',
  { timeout: 240_000 },
  async () => {
    assertBrowserReady()
    const demo = demoProject<{ project: ProjectSummary; data: { hdf5: string } }>(
      join(tmp, 'demo'),
      '32,128,128',
      2,
    )
    const { page, problems } = await open(demo.project.dir, { width: 1280, height: 900 })
    await page.getByTestId('tab-jobs').click()
    const panel = page.getByTestId('jobs')
    await panel.waitFor()

    // The demo's own jobs (predict, proposals) are listed as finished.
    await page.locator('[data-testid="job"][data-state="done"]').nth(1).waitFor({ timeout: 10_000 })

    // Arguments the command refuses: its message in the form, no job.
    await page.getByTestId('job-kind').selectOption('train')
    await page.getByTestId('job-args').fill('--task mito')
    await page.getByTestId('job-start').click()
    const reply = page.getByTestId('job-start-result')
    await reply.waitFor({ timeout: 30_000 })
    assert.match((await reply.textContent()) ?? '', /--raw is required/)

    const h5 = demo.data.hdf5
    await page
      .getByTestId('job-args')
      .fill(
        `--task mito --name ui --width 4 --depth 2 --window 4,32,32 --raw ${h5}#raw --labels ${h5}#labels/mito --iterations 100000`,
      )
    await page.getByTestId('job-start').click()
    await page.waitForFunction(
      () =>
        /started train as process \d+/.test(
          (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="job-start-result"]')
            ?.textContent ?? '',
        ),
      undefined,
      { timeout: 30_000 },
    )
    started.push(Number(/process (\d+)/.exec((await reply.textContent()) ?? '')?.[1]))

    const running = page.locator('[data-testid="job"][data-state="running"]')
    await running.waitFor({ timeout: 30_000 })
    // A curve of at least three points, and an ETA.
    await running.locator('[data-testid="loss-curve"] polyline').waitFor({ timeout: 60_000 })
    await page.waitForFunction(
      () => {
        const line = (globalThis as unknown as PageGlobals).document.querySelector(
          '[data-testid="job"][data-state="running"] polyline',
        )
        return (line?.getAttribute('points') ?? '').trim().split(' ').length >= 3
      },
      undefined,
      { timeout: 60_000 },
    )
    assert.match((await running.getByTestId('job-eta').textContent()) ?? '', /^ETA \d/)
    assert.match((await running.getByTestId('job-message').textContent()) ?? '', /^iteration \d+, loss/)
    await running.locator('details.log summary').click()
    assert.match((await running.getByTestId('job-log').textContent()) ?? '', /started: activeem train/)

    // Running jobs come first.
    assert.equal(await page.locator('[data-testid="job"]').first().getAttribute('data-state'), 'running')
    keepScreenshot(await page.screenshot({ fullPage: true }), tmp, 'jobs.png')

    const id = await running.getAttribute('data-job-id')
    await running.getByTestId('job-cancel').click()
    await running.getByTestId('job-cancel-confirm').click()
    const card = page.locator(`[data-testid="job"][data-job-id="${id}"]`)
    await page
      .locator(`[data-testid="job"][data-job-id="${id}"][data-state="cancelled"]`)
      .waitFor({ timeout: 60_000 })
    assert.match(
      (await card.getByTestId('job-message').textContent()) ?? '',
      /run the same command to resume/,
    )
    assert.equal(await card.getByTestId('job-cancel').count(), 0, 'no Cancel on a finished job')
    assert.deepEqual(problems, [])
  },
)
