/**
 * What every end-to-end test needs: `activeem serve` as a child process, Debian's Chromium through
 * playwright-core with the flags that work here, console errors collected, PNGs measured in the page.
 * Needs the built renderer (npm run build) and Chromium at /usr/bin/chromium (or ACTIVEEM_CHROMIUM).
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after } from 'node:test'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { CHROMIUM, CHROMIUM_ARGS } from '../../src-main/cli/bench/bench-page.ts'
import { CLI, REPO } from './cli.ts'

export { CHROMIUM }
export const RENDERER_INDEX = join(REPO, 'out', 'renderer', 'index.html')

export interface Served {
  url: string
  port: number
  token: string
  process: ChildProcess
}

/** Checks the two things every browser test needs, with a message that says how to get them. */
export function assertBrowserReady(): void {
  assert.ok(
    existsSync(RENDERER_INDEX),
    `${RENDERER_INDEX} is missing: build the renderer first (npx electron-vite build, or npm run build)`,
  )
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (set ACTIVEEM_CHROMIUM)`)
}

/**
 * Starts `activeem serve --json` (with no project: the page starts on its New project form) and
 * resolves with the one JSON line it prints once it listens.
 */
export function startServer(projectDir: string | null): Promise<Served> {
  const project = projectDir === null ? [] : ['--project', projectDir]
  const child = spawn(process.execPath, [CLI, 'serve', ...project, '--json'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
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
        resolve({ ...(JSON.parse(stdout.slice(0, newline)) as Omit<Served, 'process'>), process: child })
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

export async function stopServer(served: Served | null): Promise<void> {
  const child = served?.process
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((ok) => child.once('exit', ok))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/** Headless Chromium with a fresh profile in `profileDir`; `problems` collects console and page errors. */
export async function launchBrowser(
  profileDir: string,
  viewport = { width: 1280, height: 800 },
): Promise<{ browser: BrowserContext; page: Page; problems: string[] }> {
  mkdirSync(profileDir, { recursive: true })
  const browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: CHROMIUM_ARGS,
  })
  const page = browser.pages()[0] ?? (await browser.newPage())
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  return { browser, page, problems }
}

export interface BrowserTest {
  /** A fresh temporary folder of the test file, removed after its tests. */
  tmp: string
  /** Serves `projectDir`, opens its page in a fresh Chromium (profile under tmp); both end after the tests. */
  open(
    projectDir: string | null,
    viewport?: { width: number; height: number },
  ): Promise<{ served: Served; page: Page; problems: string[] }>
  /** Adds a clean-up to the after hook: it runs once the browser is closed, before the server stops. */
  onClose(cleanup: () => void): void
}

/** The set-up every browser test file shares; call it once at the top of the file. */
export function browserTestContext(prefix: string): BrowserTest {
  const tmp = mkdtempSync(join(tmpdir(), prefix))
  let served: Served | null = null
  let browser: BrowserContext | null = null
  const cleanups: Array<() => void> = []
  after(async () => {
    await browser?.close().catch(() => {})
    for (const cleanup of cleanups) cleanup()
    await stopServer(served)
    rmSync(tmp, { recursive: true, force: true })
  })
  return {
    tmp,
    async open(projectDir, viewport) {
      served = await startServer(projectDir)
      const launched = await launchBrowser(join(tmp, 'chromium-profile'), viewport)
      browser = launched.browser
      await launched.page.goto(served.url)
      return { served, page: launched.page, problems: launched.problems }
    },
    onClose(cleanup) {
      cleanups.push(cleanup)
    },
  }
}

/** Writes a screenshot into `dir`, and into ACTIVEEM_SCREENSHOT_DIR too when it is set (for docs/). */
export function keepScreenshot(png: Buffer, dir: string, name: string): string {
  // `name` may hold a folder (pipeline/01-new.png): made in both places.
  const file = join(dir, name)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, png)
  const keep = process.env.ACTIVEEM_SCREENSHOT_DIR
  if (keep) {
    mkdirSync(dirname(join(keep, name)), { recursive: true })
    copyFileSync(file, join(keep, name))
  }
  return file
}

/** The few browser APIs the in-page checks use (the node tsconfig has no DOM lib). */
interface Context2d {
  drawImage(image: unknown, x: number, y: number): void
  getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray }
}
interface BrowserGlobals {
  createImageBitmap(blob: Blob): Promise<{ width: number; height: number }>
  OffscreenCanvas: new (width: number, height: number) => { getContext(kind: '2d'): Context2d | null }
}

export interface ImageStats {
  width: number
  height: number
  distinctColours: number
  /** Share of the pixels that have the most common colour. */
  dominantShare: number
  /** Grey levels (mean of r, g, b, rounded) that occur. */
  greyLevels: number
  greyStd: number
  /** Pixels of the probability overlay's colours: red well above green, green well above blue. */
  orange: number
  /** Pixels that differ (any channel by more than 24) from the second PNG; 0 without one. */
  changed: number
}

/** Decodes PNGs in the page (createImageBitmap + OffscreenCanvas) and measures how much is in the first,
 * and how much of it differs from `other` when given. */
export async function pngStats(page: Page, png: Buffer, other?: Buffer): Promise<ImageStats> {
  return page.evaluate(
    async ([first, second]) => {
      const browser = globalThis as unknown as BrowserGlobals
      // No named functions in here: the test's transpiler would wrap them in a helper the page lacks.
      const [a, b] = await Promise.all(
        [first, second]
          .filter((base64) => base64 !== '')
          .map(async (base64) => {
            const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
            const bitmap = await browser.createImageBitmap(new Blob([bytes], { type: 'image/png' }))
            const canvas = new browser.OffscreenCanvas(bitmap.width, bitmap.height)
            const context = canvas.getContext('2d')!
            context.drawImage(bitmap, 0, 0)
            return {
              data: context.getImageData(0, 0, bitmap.width, bitmap.height).data,
              w: bitmap.width,
              h: bitmap.height,
            }
          }),
      )
      if (!a) throw new Error('no image')
      const counts = new Map<number, number>()
      const greys = new Set<number>()
      let sum = 0
      let sumSq = 0
      let orange = 0
      const n = a.data.length / 4
      for (let i = 0; i < a.data.length; i += 4) {
        const r = a.data[i]!
        const g = a.data[i + 1]!
        const b = a.data[i + 2]!
        const key = (r << 16) | (g << 8) | b
        counts.set(key, (counts.get(key) ?? 0) + 1)
        const grey = (r + g + b) / 3
        greys.add(Math.round(grey))
        sum += grey
        sumSq += grey * grey
        if (r > 150 && r - g > 40 && g - b > 40) orange++
      }
      let changed = 0
      if (b) {
        if (b.w !== a.w || b.h !== a.h) changed = n
        else
          for (let i = 0; i < a.data.length; i += 4)
            if ([0, 1, 2].some((c) => Math.abs(a.data[i + c]! - b.data[i + c]!) > 24)) changed++
      }
      const mean = sum / n
      return {
        width: a.w,
        height: a.h,
        distinctColours: counts.size,
        dominantShare: Math.max(...counts.values()) / n,
        greyLevels: greys.size,
        greyStd: Math.sqrt(Math.max(0, sumSq / n - mean * mean)),
        orange,
        changed,
      }
    },
    [png.toString('base64'), other?.toString('base64') ?? ''] as const,
  )
}
