/**
 * End to end (issue 23): the Project screen's Suggest card asks before it leaves a round unfinished, as
 * the Jobs form does. Round 1 is 8 of 16 labelled: Run opens the question and starts no job; Cancel
 * leaves everything as it was; "Finish round 1" opens it on the Queries screen; "start anyway" runs
 * `suggest --force` and round 2 is made, round 1 still in the round picker.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { assertBrowserReady, browserTestContext, keepScreenshot } from '../helpers/browser.ts'
import { waitFor } from '../helpers/child.ts'
import { jobCount, query, roundRows, unfinishedRoundProject } from '../helpers/unfinished-round.ts'

const { tmp, open } = browserTestContext('activeem-e2e-card-round-')

async function runSuggestCard(page: Page): Promise<void> {
  await page.getByTestId('tab-project').click()
  const run = page.getByTestId('pipeline-run-suggest')
  await run.waitFor({ timeout: 15_000 })
  await page.getByTestId('pf-suggest-strategy').selectOption('random')
  for (const [field, value] of [
    ['N', '2'],
    ['M', '2'],
    ['Q', '1'],
  ] as const) {
    await page.getByTestId(`pf-suggest-${field}`).fill(value)
    await page.getByTestId(`pf-suggest-${field}`).press('Tab')
  }
  await run.click()
}

test(
  "pipeline: the Suggest card asks first over an unfinished round; Cancel starts nothing, 'start anyway' runs suggest --force",
  { timeout: 240_000 },
  async () => {
    assertBrowserReady()
    const { dir } = await unfinishedRoundProject(join(tmp, 'project'))
    const { page, problems } = await open(dir, { width: 1280, height: 900 })
    await page.getByRole('heading', { name: 'ActiveEM', exact: true }).waitFor({ timeout: 15_000 })
    const jobsBefore = jobCount(dir)
    const dialog = page.getByTestId('unfinished-round-dialog')

    // Asked, then cancelled: no job, no round, no answer on the card.
    await runSuggestCard(page)
    await dialog.waitFor({ timeout: 15_000 })
    assert.match((await dialog.locator('h3').textContent()) ?? '', /^Round 1 is 8 of 16 labelled\.$/)
    keepScreenshot(await page.screenshot(), tmp, 'card-unfinished-round.png')
    await page.getByTestId('round-cancel').click()
    await dialog.waitFor({ state: 'detached', timeout: 5_000 })
    await page.waitForTimeout(1000)
    assert.equal(jobCount(dir), jobsBefore, 'no job after Cancel')
    assert.equal(roundRows(dir).length, 1)
    assert.equal(await page.getByTestId('pipeline-result-suggest').count(), 0)

    // "Finish round 1": the Queries screen opens on it.
    await runSuggestCard(page)
    await dialog.waitFor({ timeout: 15_000 })
    await page.getByTestId('round-finish').click()
    await page.getByTestId('query-grid').waitFor({ timeout: 15_000 })
    assert.equal((await page.getByTestId('round-progress').textContent())?.trim(), '8 / 16 answered')
    assert.equal(jobCount(dir), jobsBefore)

    // Started anyway: the job carries --force and makes round 2.
    await runSuggestCard(page)
    await dialog.waitFor({ timeout: 15_000 })
    await page.getByTestId('round-force').click()
    const result = page.getByTestId('pipeline-result-suggest')
    await result.waitFor({ timeout: 30_000 })
    assert.match((await result.textContent()) ?? '', /started activeem suggest .*--force/)
    await waitFor('round 2 to be stored', () => roundRows(dir).length === 2, 120_000, 250)
    const params = query<{ params: string }>(dir, "SELECT params FROM jobs WHERE kind = 'suggest'")
    assert.equal(params.length, 1)
    assert.match(params[0]!.params, /--force/)
    await waitFor(
      'the suggest job to end',
      () =>
        query<{ state: string }>(dir, "SELECT state FROM jobs WHERE kind = 'suggest'")[0]?.state === 'done',
      60_000,
      250,
    )
    await page.getByTestId('tab-queries').click()
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
        ).document.querySelectorAll('[data-testid="round-picker"] option').length === 2,
      undefined,
      { timeout: 15_000 },
    )
    assert.deepEqual(problems, [])
  },
)
