/**
 * End to end (issue 23): rounds no longer hide unfinished work. A project whose round 1 is 8 of 16
 * labelled, served by `activeem serve`, the built renderer in headless Chromium: Suggest from the Jobs
 * form asks first and starts no job; "Finish round 1" opens it in the grid; "start anyway" runs
 * `suggest --force` and makes round 2; the grid's round picker still reaches round 1 (with its progress
 * in the header), whose unlabelled queries are labelled there, and the pick survives a reload.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { defaultAnnotator } from '../../src-main/engine/labels/index.ts'
import { assertBrowserReady, browserTestContext, keepScreenshot } from '../helpers/browser.ts'
import { waitFor } from '../helpers/child.ts'
import { jobCount, query, roundRows as rounds, unfinishedRoundProject } from '../helpers/unfinished-round.ts'

const { tmp, open, onClose } = browserTestContext('activeem-e2e-rounds-')
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

async function pickerText(page: Page): Promise<string[]> {
  return (await page.getByTestId('round-picker').locator('option').allTextContents()).map((t) => t.trim())
}

/** Waits until the header's progress of the shown round reads `text`. */
async function progressIs(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (wanted) =>
      (
        globalThis as unknown as {
          document: { querySelector(s: string): { textContent: string | null } | null }
        }
      ).document
        .querySelector('[data-testid="round-progress"]')
        ?.textContent?.trim() === wanted,
    text,
    { timeout: 15_000 },
  )
}

async function runSuggest(page: Page): Promise<void> {
  await page.getByTestId('tab-jobs').click()
  await page.getByTestId('job-kind').selectOption('suggest')
  await page.getByTestId('job-args').fill('--strategy random --budget 4 --seed 3')
  await page.getByTestId('job-start').click()
}

test(
  'rounds: Suggest over an unfinished round asks first; started anyway, the old round stays reachable and labellable',
  { timeout: 240_000 },
  async () => {
    assertBrowserReady()
    // 32 ROIs in 4 clusters, round 1 asks 16 of them; this page's annotator has labelled 8.
    const big = await unfinishedRoundProject(join(tmp, 'project'))
    const dir = big.dir
    const me = defaultAnnotator()
    const unlabelled = big.rois.slice(8)
    assert.equal(big.rois.length, 16)

    const { page, problems } = await open(dir, { width: 1280, height: 900 })
    await page.getByRole('heading', { name: 'ActiveEM', exact: true }).waitFor({ timeout: 15_000 })
    const jobsBefore = jobCount(dir)

    // 1. Suggest asks first, and starts nothing.
    await runSuggest(page)
    const dialog = page.getByTestId('unfinished-round-dialog')
    await dialog.waitFor({ timeout: 15_000 })
    assert.match((await dialog.locator('h3').textContent()) ?? '', /^Round 1 is 8 of 16 labelled\.$/)
    assert.equal((await page.getByTestId('round-force').textContent())?.trim(), 'Start round 2 anyway')
    keepScreenshot(await page.screenshot(), tmp, 'unfinished-round.png')
    await new Promise((resolve) => setTimeout(resolve, 1500))
    assert.equal(jobCount(dir), jobsBefore, 'no job while the question is open')
    assert.equal(rounds(dir).length, 1)
    assert.equal(await page.getByTestId('job-start-result').count(), 0)

    // 2. "Finish round 1": the grid opens on it, with its progress in the header.
    await page.getByTestId('round-finish').click()
    await page.getByTestId('query-grid').waitFor({ timeout: 15_000 })
    await progressIs(page, '8 / 16 answered')
    assert.deepEqual(await pickerText(page), ['Round 1 · labelled 8 / 16 (current)'])
    assert.equal(jobCount(dir), jobsBefore)

    // 3. Asked again, started anyway: `suggest --force` makes round 2.
    await runSuggest(page)
    await dialog.waitFor({ timeout: 15_000 })
    await page.getByTestId('round-force').click()
    const reply = page.getByTestId('job-start-result')
    await reply.waitFor({ timeout: 30_000 })
    const text = (await reply.textContent()) ?? ''
    assert.match(text, /started suggest as process \d+/)
    const pid = Number(/process (\d+)/.exec(text)?.[1])
    started.push(pid)
    await waitFor('round 2 to be stored', () => rounds(dir).length === 2, 120_000, 250)
    await waitFor(
      'the suggest job to end',
      () =>
        query<{ state: string }>(dir, "SELECT state FROM jobs WHERE kind = 'suggest'")[0]?.state === 'done',
      60_000,
      250,
    )
    const [one, two] = rounds(dir).map((r) => ({ id: r.id })) as [{ id: number }, { id: number }]
    const params = query<{ params: string }>(dir, "SELECT params FROM jobs WHERE kind = 'suggest'")[0]!
    assert.match(params.params, /--force/)

    // 4. The grid opens on the new current round; the picker lists both with their progress.
    await page.getByTestId('tab-queries').click()
    await page.locator(`[data-testid="round-picker"]`).waitFor({ timeout: 15_000 })
    await page.waitForFunction(
      (id) =>
        (
          globalThis as unknown as { document: { querySelector(s: string): { value: string } | null } }
        ).document.querySelector('[data-testid="round-picker"]')?.value === String(id),
      two.id,
      { timeout: 15_000 },
    )
    assert.deepEqual(await pickerText(page), [
      'Round 1 · labelled 8 / 16',
      'Round 2 · labelled 0 / 4 (current)',
    ])
    assert.equal(await page.locator('[data-testid="tile"]').count(), 4)
    assert.equal(await page.getByTestId('round-older').count(), 0)

    // 5. Round 1 picked: its 16 queries, its 8 unlabelled ones labelled there by keyboard.
    await page.getByTestId('round-picker').selectOption(String(one.id))
    await page.getByTestId('round-older').waitFor({ timeout: 15_000 })
    await page.locator(`[data-testid="tile"][data-roi="${big.rois[0]}"]`).waitFor({ timeout: 15_000 })
    await page
      .getByTestId('filter-label')
      .getByRole('radio', { name: /Unlabelled/ })
      .click()
    for (let k = 1; k <= unlabelled.length; k++) {
      await page.keyboard.press('y')
      await progressIs(page, `${8 + k} / 16 answered`)
    }
    const labelled = query<{ roi: number; value: string; round_id: number }>(
      dir,
      'SELECT roi_id AS roi, value, round_id FROM labels WHERE annotator = ? AND round_id = ? ORDER BY id',
      me,
      one.id,
    )
    assert.deepEqual(
      labelled
        .slice(8)
        .map((l) => l.roi)
        .sort((a, b) => a - b),
      [...unlabelled].sort((a, b) => a - b),
    )
    assert.ok(labelled.every((l) => l.value === 'correct'))
    assert.deepEqual(await pickerText(page), [
      'Round 1 · labelled 16 / 16',
      'Round 2 · labelled 0 / 4 (current)',
    ])

    // 6. The pick is the project's: a reload opens round 1 again.
    await page.reload()
    await page.getByTestId('tab-queries').click()
    await page.getByTestId('round-older').waitFor({ timeout: 15_000 })
    assert.equal(await page.getByTestId('round-picker').inputValue(), String(one.id))
    await progressIs(page, '16 / 16 answered')
    keepScreenshot(await page.screenshot(), tmp, 'round-picker.png')
    assert.deepEqual(problems, [])
  },
)
