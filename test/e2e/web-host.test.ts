/**
 * End to end: a demo project, `activeem serve` as a child process, the built renderer in headless
 * Chromium. Needs `npx electron-vite build` first (out/renderer) and Chromium at /usr/bin/chromium
 * (or ACTIVEEM_CHROMIUM). ACTIVEEM_SCREENSHOT_DIR=DIR keeps the screenshot.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import type { ProjectSummary } from '../../src-shared/contract.ts'
import { CLI, REPO, cliJson } from '../helpers/cli.ts'

const RENDERER_INDEX = join(REPO, 'out', 'renderer', 'index.html')
const CHROMIUM = process.env.ACTIVEEM_CHROMIUM ?? '/usr/bin/chromium'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-e2e-'))
let server: ChildProcess | null = null
let browser: BrowserContext | null = null

after(async () => {
  await browser?.close().catch(() => {})
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((ok) => server!.once('exit', ok))
    server.kill('SIGTERM')
    const timer = setTimeout(() => server?.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  rmSync(tmp, { recursive: true, force: true })
})

/** Starts `activeem serve --json` and resolves with the one JSON line it prints once it listens. */
function startServer(projectDir: string): Promise<{ url: string; port: number; token: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--project', projectDir, '--json'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  server = child
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(
      () => reject(new Error(`activeem serve printed no URL within 30 s; stderr: ${stderr}`)),
      30_000,
    )
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const newline = stdout.indexOf('\n')
      if (newline < 0) return
      clearTimeout(timer)
      try {
        resolve(JSON.parse(stdout.slice(0, newline)))
      } catch {
        reject(new Error(`activeem serve --json printed something that is not JSON: ${stdout}`))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`activeem serve exited with ${code} before printing its URL; stderr: ${stderr}`))
    })
  })
}

/** The few browser APIs the in-page checks use (the node tsconfig has no DOM lib). */
interface Context2d {
  drawImage(image: unknown, x: number, y: number): void
  getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray }
}
interface PageCanvas {
  width: number
  height: number
  dataset: Record<string, string | undefined>
  getBoundingClientRect(): { width: number; height: number }
  getContext(kind: '2d'): Context2d | null
}
interface BrowserGlobals {
  document: { querySelectorAll(selector: string): Iterable<PageCanvas> }
  createImageBitmap(blob: Blob): Promise<{ width: number; height: number }>
  OffscreenCanvas: new (width: number, height: number) => { getContext(kind: '2d'): Context2d | null }
}

interface ImageStats {
  width: number
  height: number
  distinctColours: number
  dominantShare: number
  greyStd: number
}

/** Decodes a PNG in the page (createImageBitmap + OffscreenCanvas) and measures how much is in it. */
async function pngStats(page: Page, png: Buffer): Promise<ImageStats> {
  return page.evaluate(async (base64: string) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
    const browser = globalThis as unknown as BrowserGlobals
    const bitmap = await browser.createImageBitmap(new Blob([bytes], { type: 'image/png' }))
    const canvas = new browser.OffscreenCanvas(bitmap.width, bitmap.height)
    const context = canvas.getContext('2d')!
    context.drawImage(bitmap, 0, 0)
    const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height)
    const counts = new Map<number, number>()
    let sum = 0
    let sumSq = 0
    const n = data.length / 4
    for (let i = 0; i < data.length; i += 4) {
      const key = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!
      counts.set(key, (counts.get(key) ?? 0) + 1)
      const grey = (data[i]! + data[i + 1]! + data[i + 2]!) / 3
      sum += grey
      sumSq += grey * grey
    }
    const mean = sum / n
    return {
      width: bitmap.width,
      height: bitmap.height,
      distinctColours: counts.size,
      dominantShare: Math.max(...counts.values()) / n,
      greyStd: Math.sqrt(Math.max(0, sumSq / n - mean * mean)),
    }
  }, png.toString('base64'))
}

test(
  'web host: the built renderer lists the demo volumes with real thumbnails',
  { timeout: 90_000 },
  async () => {
    assert.ok(
      existsSync(RENDERER_INDEX),
      `${RENDERER_INDEX} is missing: build the renderer first (npx electron-vite build, or npm run build)`,
    )
    assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (set ACTIVEEM_CHROMIUM)`)

    const demo = cliJson<{ project: ProjectSummary }>([
      'demo',
      '--out',
      join(tmp, 'demo'),
      ...['--shape', '32,128,128', '--iterations', '2', '--epochs', '1'],
    ])
    const volumes = demo.project.volumes
    assert.ok(volumes.length >= 1, 'the demo project has volumes')
    const { url } = await startServer(demo.project.dir)
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/)

    const profile = join(tmp, 'chromium-profile')
    mkdirSync(profile)
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--enable-unsafe-swiftshader',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    const page = browser.pages()[0] ?? (await browser.newPage())
    const problems: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`)
    })
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))

    await page.goto(url)
    await page.getByRole('heading', { name: 'ActiveEM', exact: true }).waitFor({ timeout: 15_000 })

    // Every volume shows up as a row with its name and its shape (z × y × x).
    for (const volume of volumes) {
      const shape = volume.shape.join(' × ')
      const row = page.locator('tr.volume-row').filter({ hasText: volume.name }).filter({ hasText: shape })
      await row.first().waitFor({ state: 'visible', timeout: 20_000 })
    }
    // Every thumbnail finished (ready or error; an error must not go unnoticed).
    await page.waitForFunction(
      (count) => {
        const canvases = [
          ...(globalThis as unknown as BrowserGlobals).document.querySelectorAll(
            'canvas[data-testid="slice-thumb"]',
          ),
        ]
        return canvases.length === count && canvases.every((c) => c.dataset.state !== 'loading')
      },
      volumes.length,
      { timeout: 30_000 },
    )
    const banner = page.getByTestId('error-banner')
    assert.equal(
      await banner.count(),
      0,
      `error banner shown: ${(await banner.allTextContents()).join(' | ')}`,
    )
    const states = await page
      .locator('canvas[data-testid="slice-thumb"]')
      .evaluateAll((cs) => cs.map((c) => (c as unknown as PageCanvas).dataset.state))
    assert.deepEqual(
      states,
      volumes.map(() => 'ready'),
    )

    const png = await page.screenshot({ fullPage: true })
    const shot = join(tmp, 'web-host.png')
    writeFileSync(shot, png)
    const keep = process.env.ACTIVEEM_SCREENSHOT_DIR
    if (keep) {
      mkdirSync(keep, { recursive: true })
      copyFileSync(shot, join(keep, 'web-host.png'))
    }

    // The screenshot is a real page, not a blank or single-colour one: the loaded table covers enough of
    // it that the background is well under 80% (a page with no project open is about 88%).
    const stats = await pngStats(page, png)
    assert.ok(stats.width >= 800 && stats.height >= 400, `screenshot ${stats.width}×${stats.height}`)
    assert.ok(stats.distinctColours >= 256, `screenshot has only ${stats.distinctColours} distinct colours`)
    assert.ok(
      stats.dominantShare < 0.8,
      `one colour covers ${(stats.dominantShare * 100).toFixed(1)}% of the screenshot`,
    )
    assert.ok(stats.greyStd > 10, `screenshot grey-level std ${stats.greyStd.toFixed(2)}`)

    // The raw volume's thumbnail holds image content: many grey levels, real contrast.
    const raw = volumes.find((v) => v.role === 'raw') ?? volumes[0]!
    const thumb = await page
      .locator(`tr[data-volume="${raw.name}"] canvas[data-testid="slice-thumb"]`)
      .evaluate((element) => {
        const canvas = element as unknown as PageCanvas
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height)
        const levels = new Set<number>()
        let sum = 0
        let sumSq = 0
        const n = data.length / 4
        for (let i = 0; i < data.length; i += 4) {
          levels.add(data[i]!)
          sum += data[i]!
          sumSq += data[i]! * data[i]!
        }
        const mean = sum / n
        const rect = canvas.getBoundingClientRect()
        return {
          width: canvas.width,
          height: canvas.height,
          shown: rect.width > 0 && rect.height > 0,
          levels: levels.size,
          variance: sumSq / n - mean * mean,
        }
      })
    assert.ok(thumb.shown, 'the thumbnail is laid out on the page')
    assert.ok(thumb.width >= 16 && thumb.height >= 16, `thumbnail ${thumb.width}×${thumb.height}`)
    assert.ok(thumb.levels >= 16, `thumbnail has only ${thumb.levels} grey levels`)
    assert.ok(thumb.variance > 100, `thumbnail pixel variance ${thumb.variance.toFixed(1)}`)

    assert.deepEqual(problems, [], 'no console errors or page errors')
  },
)
