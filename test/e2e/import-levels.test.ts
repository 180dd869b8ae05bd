/**
 * End to end: the Project screen's import offers multiscale levels for a volume with large slices,
 * builds them as a job on Add and lists them; an OME-Zarr multiscale group is imported with the levels
 * it has, nothing built. Built renderer served by `activeem serve`, headless Chromium; volumes written
 * by h5py and zarr-python. ACTIVEEM_SCREENSHOT_DIR=DIR keeps import-levels.png there.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import type { Page } from 'playwright-core'
import { assertBrowserReady, browserTestContext, keepScreenshot } from '../helpers/browser.ts'
import { cliJson } from '../helpers/cli.ts'
import { needPython, runPython } from '../helpers/peers.ts'

const { tmp, open } = browserTestContext('activeem-e2e-import-levels-')

/** A slice 2600 px wide: past the 2048 px the form offers levels for. OME-Zarr 0.4 of two levels. */
const WRITE = `
import sys, json, h5py, zarr, numpy as np
big, ome = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(3)
with h5py.File(big, 'w') as f:
    d = f.create_dataset('raw', data=rng.integers(0, 256, (8, 600, 2600), dtype='uint8'), chunks=(4, 256, 256))
    d.attrs['resolution'] = np.array([40.0, 4.0, 4.0])
root = zarr.open_group(ome, mode='w')
full = rng.integers(0, 256, (6, 512, 512), dtype='uint8')
root.create_dataset('0', data=full, chunks=(6, 128, 128))
root.create_dataset('1', data=full[:, ::2, ::2], chunks=(6, 128, 128))
root.attrs['multiscales'] = [{
    'version': '0.4', 'name': 'ome',
    'axes': [{'name': a, 'type': 'space', 'unit': 'nanometer'} for a in 'zyx'],
    'datasets': [
        {'path': '0', 'coordinateTransformations': [{'type': 'scale', 'scale': [30.0, 5.0, 5.0]}]},
        {'path': '1', 'coordinateTransformations': [{'type': 'scale', 'scale': [30.0, 10.0, 10.0]},
                                                    {'type': 'translation', 'translation': [0.0, 2.5, 2.5]}]},
    ],
}]
`

/** The bit of the page's DOM the in-page checks read (the node tsconfig has no DOM lib). */
interface Doc {
  querySelector(selector: string): { textContent: string | null; dataset: Record<string, string> } | null
}

async function levelsCell(page: Page, volume: string, state: string): Promise<string> {
  const cell = page.locator(`tr.volume-row[data-volume="${volume}"] [data-testid="volume-levels"]`)
  await page.waitForFunction(
    ([name, wanted]) =>
      (globalThis as unknown as { document: Doc }).document.querySelector(
        `tr.volume-row[data-volume="${name}"] [data-testid="volume-levels"]`,
      )?.dataset.state === wanted,
    [volume, state] as const,
    { timeout: 90_000 },
  )
  return ((await cell.textContent()) ?? '').trim()
}

async function inspect(page: Page, path: string): Promise<void> {
  await page.getByTestId('import-path').fill(path)
  await page.getByTestId('import-volume').getByRole('button', { name: 'Inspect' }).click()
  await page.getByTestId('import-listing').waitFor({ timeout: 15_000 })
}

interface Session {
  page: Page
  problems: string[]
  dir: string
  big: string
  ome: string
}
let opened: Promise<Session> | null = null

/** The volumes, an empty project and its page, made once for both tests. */
function session(): Promise<Session> {
  opened ??= (async () => {
    assertBrowserReady()
    const big = join(tmp, 'big.h5')
    const ome = join(tmp, 'ome.zarr')
    runPython(WRITE, [big, ome])
    const dir = join(tmp, 'project')
    cliJson(['project', 'init', dir])
    const { page, problems } = await open(dir, { width: 1400, height: 1000 })
    await page.getByTestId('project').waitFor({ timeout: 15_000 })
    return { page, problems, dir, big, ome }
  })()
  return opened
}

function pyramidJobs(dir: string): number {
  const db = new Database(join(dir, 'activeem.sqlite'), { readonly: true })
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'pyramid'").get() as { n: number }).n
  } finally {
    db.close()
  }
}

const PEERS = ['h5py', 'zarr', 'numpy']

test(
  'import: levels offered (checked) for large slices, built as a job on Add, listed once done',
  { timeout: 240_000 },
  async (t) => {
    if (!needPython(t, PEERS)) return
    const { page, problems, dir, big } = await session()

    await inspect(page, big)
    const offer = page.getByTestId('import-build-levels')
    await offer.waitFor({ timeout: 15_000 })
    assert.equal(await offer.isChecked(), true, 'the offer comes checked')
    assert.match(
      (await page.getByTestId('import-volume').locator('label.levels').textContent()) ?? '',
      /Build multiscale levels for zooming out \(runs as a job\)/,
    )
    assert.equal(await page.getByTestId('import-levels-found').count(), 0)
    await page.getByTestId('import-volume').getByRole('textbox', { name: 'Name' }).fill('big')
    // Every state the row's Levels cell shows, from the moment the row appears.
    await page.evaluate(() => {
      const g = globalThis as unknown as {
        seen: string[]
        document: Doc & { body: unknown }
        MutationObserver: new (f: () => void) => { observe(node: unknown, options: object): void }
      }
      g.seen = []
      // No named functions in here: the test's transpiler would wrap them in a helper the page lacks.
      new g.MutationObserver(() => {
        const cell = g.document.querySelector(
          'tr.volume-row[data-volume="big"] [data-testid="volume-levels"]',
        )
        const state = cell ? `${cell.dataset.state}: ${(cell.textContent ?? '').trim()}` : null
        if (state && g.seen.at(-1) !== state) g.seen.push(state)
      }).observe(g.document.body, { subtree: true, childList: true, attributes: true, characterData: true })
    })
    await page.getByTestId('import-add').click()
    await page.getByTestId('import-added').waitFor({ timeout: 30_000 })
    await page.locator('tr.volume-row[data-volume="big"]').waitFor({ timeout: 15_000 })
    // 600 x 2600 halves to 300 x 1300, 150 x 650, 75 x 325, 38 x 163: five levels.
    assert.equal(await levelsCell(page, 'big', 'ready'), '5 levels')
    // Before the first project.levels reply the cell is empty ('unknown').
    const seen = (await page.evaluate(() => (globalThis as unknown as { seen: string[] }).seen)).filter(
      (s) => !s.startsWith('unknown'),
    )
    assert.match(seen[0] ?? '', /^building: building levels… \d+%$/, `states shown: ${seen.join(' | ')}`)
    assert.equal(seen.at(-1), 'ready: 5 levels')
    const zattrs = JSON.parse(readFileSync(join(dir, 'pyramids', 'big.zarr', '.zattrs'), 'utf8')) as {
      multiscales: Array<{ datasets: Array<{ path: string }> }>
      activeem: { complete: boolean; kind: string }
    }
    assert.equal(zattrs.multiscales[0]!.datasets.length, 5)
    assert.deepEqual([zattrs.activeem.complete, zattrs.activeem.kind], [true, 'image'])
    const top = JSON.parse(readFileSync(join(dir, 'pyramids', 'big.zarr', '4', '.zarray'), 'utf8')) as {
      shape: number[]
    }
    // z halves too at the last level, once the voxel would be finer in z (40 nm against 64).
    assert.deepEqual(top.shape, [4, 38, 163])
    keepScreenshot(await page.screenshot({ fullPage: true }), tmp, 'import-levels.png')

    // The Jobs screen lists the pyramid job, done; then back to the Project screen.
    await page.getByTestId('tab-jobs').click()
    const done = page.locator('[data-testid="job"][data-state="done"]')
    await done.first().waitFor({ timeout: 15_000 })
    assert.equal(await page.locator('[data-testid="job"]').count(), 1)
    assert.equal(pyramidJobs(dir), 1)
    assert.match((await done.first().textContent()) ?? '', /pyramid/)
    assert.match((await done.first().getByTestId('job-message').textContent()) ?? '', /5 levels of big in /)
    await page.getByTestId('tab-project').click()
    await page.getByTestId('project').waitFor({ timeout: 15_000 })

    // Unchecked, the same volume is added without levels and no job starts.
    await inspect(page, big)
    await page.getByTestId('import-build-levels').uncheck()
    await page.getByTestId('import-volume').getByRole('textbox', { name: 'Name' }).fill('big-as-is')
    await page.getByTestId('import-add').click()
    await page.locator('tr.volume-row[data-volume="big-as-is"]').waitFor({ timeout: 15_000 })
    assert.equal(await levelsCell(page, 'big-as-is', 'none'), '—')
    assert.equal(pyramidJobs(dir), 1)
    assert.deepEqual(problems, [])
  },
)

test(
  'import: an OME-Zarr multiscale group shows "levels found" and uses them, nothing built',
  { timeout: 240_000 },
  async (t) => {
    if (!needPython(t, PEERS)) return
    const { page, problems, dir, ome } = await session()
    const jobsBefore = pyramidJobs(dir)
    await inspect(page, ome)
    await page.locator('[data-testid="dataset-tree"] tr[data-dataset="0"]').click()
    const found = page.getByTestId('import-levels-found')
    await found.waitFor({ timeout: 15_000 })
    assert.match((await found.textContent()) ?? '', /^\s*2 levels found: they are used/)
    assert.equal(await page.getByTestId('import-build-levels').count(), 0, 'nothing offered')
    await page.getByTestId('import-volume').getByRole('textbox', { name: 'Name' }).fill('ome')
    await page.getByTestId('import-add').click()
    await page.locator('tr.volume-row[data-volume="ome"]').waitFor({ timeout: 15_000 })
    assert.equal(await levelsCell(page, 'ome', 'ready'), '2 levels (OME-Zarr)')
    assert.ok(!existsSync(join(dir, 'pyramids', 'ome.zarr')), 'no pyramid built for it')
    assert.equal(pyramidJobs(dir), jobsBefore, 'no job started')

    assert.deepEqual(problems, [])
  },
)
