/**
 * End to end: the page follows a project that other processes write, without reloading and without
 * polling. With the Jobs screen open, a train job started by `activeem` in a terminal (here: spawned by
 * the test) appears and reaches done; with the Project screen open, a volume added by `activeem project
 * import` shows in the volume list. While nothing changes, the page sends no jobs.list or pipeline.get
 * (the WebSocket frames it sends are counted). Needs `npm run build` first.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { assertBrowserReady, browserTestContext } from '../helpers/browser.ts'
import { CLI, cliJson, REPO, tinyTrainArgs } from '../helpers/cli.ts'

const { tmp, open, onClose } = browserTestContext('activeem-e2e-live-')
const children: ChildProcess[] = []
onClose(() => {
  for (const child of children) child.kill('SIGKILL')
})

/** The methods of the API requests the page sent, from `from` on (the frames it sent, in order). */
function methodsSent(frames: string[], from = 0): string[] {
  return frames.slice(from).map((f) => {
    try {
      return (JSON.parse(f) as { method?: string }).method ?? '?'
    } catch {
      return '?'
    }
  })
}

/** Waits `ms` with the page left alone, and returns the methods of the requests it sent meanwhile. */
async function idle(page: Page, frames: string[], ms: number): Promise<string[]> {
  const from = frames.length
  await page.waitForTimeout(ms)
  return methodsSent(frames, from)
}

test(
  'the page shows a job and a volume that other processes add, with no reload and no polling',
  { timeout: 300_000 },
  async () => {
    assertBrowserReady()
    const data = join(tmp, 'data')
    const dir = join(tmp, 'project')
    const h5 = join(data, 'synthetic.h5')
    cliJson(['synth', '--out', data, '--shape', '16,64,64', '--seed', '5'])
    cliJson(['project', 'init', dir])
    cliJson(['project', 'import', dir, `${h5}#raw`])
    cliJson(['project', 'import', dir, `${h5}#labels/mito`, '--role', 'labels'])

    const { page, problems } = await open(dir, { width: 1280, height: 900 })
    // The frames the page sends on its API socket; the page is loaded again so the socket is seen from
    // its start (the token is in the tab's session storage by now). After this, it is never reloaded.
    const frames: string[] = []
    page.on('websocket', (ws) => ws.on('framesent', (frame) => void frames.push(String(frame.payload))))
    await page.reload()
    await page.locator('.volume-row').nth(1).waitFor({ timeout: 20_000 })
    await page.evaluate(() => ((globalThis as unknown as { liveMark: number }).liveMark = 1))
    assert.ok(methodsSent(frames).includes('events.subscribe'), 'the page subscribed to its project')

    // Jobs screen, nothing happening: no request at all for 3 s (the old screen asked every second).
    await page.getByTestId('tab-jobs').click()
    await page.getByTestId('jobs-sync').waitFor({ timeout: 10_000 })
    assert.match((await page.getByTestId('jobs-sync').textContent()) ?? '', /^live/)
    await page.waitForTimeout(1000)
    const quietJobs = await idle(page, frames, 3000)
    assert.deepEqual(quietJobs, [], `requests while idle on the Jobs screen: ${quietJobs.join(', ')}`)

    // A train job started from a terminal, not from this page.
    const t0 = Date.now()
    const train = spawn(
      process.execPath,
      [CLI, ...tinyTrainArgs(dir, `${h5}#raw`, `${h5}#labels/mito`, 30)],
      {
        cwd: REPO,
        stdio: 'ignore',
      },
    )
    children.push(train)
    const exited = new Promise<number | null>((resolve) => train.once('exit', resolve))
    const card = page.locator('[data-testid="job"]').first()
    await card.waitFor({ timeout: 30_000 })
    const appeared = Date.now() - t0
    assert.equal(await card.getAttribute('data-state'), 'running')
    await page.locator('[data-testid="job"][data-state="done"]').waitFor({ timeout: 180_000 })
    assert.equal(await exited, 0, 'the terminal job succeeded')
    assert.match((await card.getByTestId('job-message').textContent()) ?? '', /./)
    console.log(`the terminal's job showed ${appeared} ms after it was spawned`)
    assert.ok(methodsSent(frames).includes('jobs.list'), "the list was read on the job's events")

    // Project screen: the pipeline's cards, then quiet again.
    await page.getByTestId('tab-project').click()
    await page.getByTestId('pipeline').waitFor({ timeout: 10_000 })
    await page.waitForTimeout(1000)
    const quietProject = await idle(page, frames, 3000)
    assert.deepEqual(
      quietProject,
      [],
      `requests while idle on the Project screen: ${quietProject.join(', ')}`,
    )

    // A volume added by `activeem project import` in another process.
    const volumeCount = page.locator('.facts div', { hasText: 'Volumes' }).locator('dd')
    assert.equal((await volumeCount.textContent())?.trim(), '2')
    cliJson(['project', 'import', dir, `${h5}#labels/clefts`, '--role', 'labels'])
    await page.locator('.volume-row[data-volume="synthetic/labels/clefts"]').waitFor({ timeout: 5_000 })
    assert.equal((await volumeCount.textContent())?.trim(), '3')

    assert.equal(
      await page.evaluate(() => (globalThis as unknown as { liveMark?: number }).liveMark),
      1,
      'the page was never reloaded',
    )
    assert.deepEqual(problems, [])
  },
)
