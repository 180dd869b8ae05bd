import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { startWebHost } from '../../web/server.ts'
import { RENDERER_DIR } from '../commands/serve.ts'

/** Debian's Chromium and the flags that work on a machine without a GPU or a display (tests use them too). */
export const CHROMIUM = process.env.ACTIVEEM_CHROMIUM ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--enable-unsafe-swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface BenchPage {
  page: Page
  /** The web host's address, token included. */
  url: string
  close(): Promise<void>
}

/**
 * The web host on `projectDir` and a headless Chromium (a fresh profile under `tmp`, 1280 x 900) with one
 * page, not yet navigated: what every browser row of the bench times the workstation in.
 */
export async function openBenchPage(tmp: string, projectDir: string): Promise<BenchPage> {
  const { chromium } = await import('playwright-core')
  const host = await startWebHost({ port: 0, project: projectDir, rendererDir: RENDERER_DIR })
  const profile = join(tmp, 'chromium-profile')
  mkdirSync(profile)
  let browser
  try {
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: CHROMIUM_ARGS,
    })
  } catch (e) {
    await host.close()
    throw e
  }
  const page = browser.pages()[0] ?? (await browser.newPage())
  return {
    page,
    url: host.url,
    async close() {
      await browser.close().catch(() => {})
      await host.close()
    },
  }
}
