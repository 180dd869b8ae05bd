import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { InputError } from '../../engine/errors.ts'
import { openBenchPage } from './bench-page.ts'
import { buildPyramid } from '../../engine/pyramid/index.ts'
import { Project } from '../../engine/store/index.ts'
import { openVolume } from '../../engine/volume/index.ts'
import { frameSummary, gridPrerequisiteMissing } from './grid.ts'

/**
 * The big test image: one n x n uint8 slice of 4 x 4 blocks, each its own grey (`blockValue`), with a
 * one-voxel checker of +-20 on top. Any mean over 2 x 2 voxels cancels the checker, so it shows at level 0
 * only, and every coarser level shows the blocks' greys exactly.
 */
export function blockValue(y: number, x: number, n: number): number {
  return 40 + 11 * (4 * Math.floor((y * 4) / n) + Math.floor((x * 4) / n))
}

export function voxelValue(y: number, x: number, n: number): number {
  return blockValue(y, x, n) + ((y + x) & 1 ? 20 : -20)
}

/**
 * Writes the image as a Zarr v2 array (1 x n x n, uncompressed 256 x 256 chunks) straight to its chunk
 * files: the fast path, a fraction of a second for 256 MB, where a compressing writer takes many.
 */
export function writeBigImage(dir: string, n = 16384, chunk = 256): string {
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, '.zarray'),
    JSON.stringify({
      zarr_format: 2,
      shape: [1, n, n],
      chunks: [1, chunk, chunk],
      dtype: '|u1',
      compressor: null,
      fill_value: 0,
      order: 'C',
      filters: null,
      dimension_separator: '.',
    }),
  )
  const buffer = new Uint8Array(chunk * chunk)
  for (let cy = 0; cy < n / chunk; cy++)
    for (let cx = 0; cx < n / chunk; cx++) {
      let o = 0
      for (let y = cy * chunk; y < (cy + 1) * chunk; y++)
        for (let x = cx * chunk; x < (cx + 1) * chunk; x++) buffer[o++] = voxelValue(y, x, n)
      writeFileSync(join(dir, `0.${cy}.${cx}`), buffer)
    }
  return dir
}

/** The few browser APIs the in-page recorder uses (the node tsconfig has no DOM lib). */
interface PageGlobals {
  requestAnimationFrame(callback: (now: number) => void): number
  MessageChannel: new () => {
    port1: { onmessage: (() => void) | null }
    port2: { postMessage(message: unknown): void }
  }
  performance: { now(): number }
  __panFrames?: { deltas: number[]; work: number[]; stop: boolean }
}

/**
 * Drags the xy view across `distance` screen pixels in `steps` mouse moves (real input events, one per
 * animation frame at most) while the page records, per frame, the interval and the main thread's work
 * (from the frame's start to the first task after its rendering, as the grid row measures it).
 */
export async function measurePan(
  page: Page,
  steps = 120,
  distance = 2400,
): Promise<{ deltas: number[]; work: number[] }> {
  const view = page.getByTestId('view-xy')
  const box = (await view.boundingBox())!
  // No named functions inside: tsx would wrap them in a helper that the page does not have.
  await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals
    const record = { deltas: [] as number[], work: [] as number[], stop: false }
    g.__panFrames = record
    const channel = new g.MessageChannel()
    void (async () => {
      let last = -1
      for (;;) {
        const now = await new Promise<number>((ok) => g.requestAnimationFrame(ok))
        if (record.stop) return
        if (last >= 0) record.deltas.push(now - last)
        last = now
        // A message posted in a frame is handled once that frame's rendering is done.
        record.work.push(
          await new Promise<number>((ok) => {
            channel.port1.onmessage = () => ok(g.performance.now() - now)
            channel.port2.postMessage(0)
          }),
        )
      }
    })()
  })
  // Right to left across most of the view, again and again: a drag pans one way.
  const y = box.y + box.height / 2
  const x0 = box.x + box.width * 0.85
  const span = box.width * 0.7
  const drags = Math.ceil(distance / span)
  const perDrag = Math.max(1, Math.round(steps / drags))
  for (let d = 0; d < drags; d++) {
    await page.mouse.move(x0, y)
    await page.mouse.down()
    for (let i = 1; i <= perDrag; i++) await page.mouse.move(x0 - (span * i) / perDrag, y)
    await page.mouse.up()
  }
  return page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals
    const record = g.__panFrames!
    record.stop = true
    return { deltas: record.deltas, work: record.work }
  })
}

export const VIEWER_PAN_BENCH = 'viewer-pan-16384'

/**
 * The viewer on a 1 x 16384 x 16384 image with its pyramid, in headless Chromium: how long the pyramid
 * took, how long until the whole slice was drawn, and frame times while dragging the xy view about at
 * a zoom that reads new tiles as it goes.
 */
export async function benchViewerPan(): Promise<Array<{ name: string; [key: string]: unknown }>> {
  const missing = gridPrerequisiteMissing()
  if (missing) throw new InputError(`bench: ${missing}`)
  const tmp = mkdtempSync(join(tmpdir(), 'activeem-bench-viewer-'))
  try {
    let t = performance.now()
    const image = writeBigImage(join(tmp, 'big.zarr'))
    const writeS = (performance.now() - t) / 1000
    t = performance.now()
    await buildPyramid({ source: image, out: join(tmp, 'big-pyramid.zarr'), kind: 'image' })
    const pyramidS = (performance.now() - t) / 1000
    const project = Project.init(join(tmp, 'project'))
    const volume = await openVolume(join(tmp, 'big-pyramid.zarr'))
    try {
      project.addVolume(volume, { role: 'raw' })
    } finally {
      volume.close()
      project.close()
    }
    const session = await openBenchPage(tmp, join(tmp, 'project'))
    try {
      const page = session.page
      await page.goto(session.url)
      await page.getByTestId('tab-viewer').waitFor()
      t = performance.now()
      await page.getByTestId('tab-viewer').click()
      await wholeSliceDrawn(page, 60_000)
      const wholeSliceS = (performance.now() - t) / 1000
      // Into level 2 (four screen pixels a level-0 voxel would be level 0: this keeps tiles coming).
      await zoomTo(page, 0.3)
      await wholeSliceDrawn(page, 60_000, false)
      const frames = await measurePan(page)
      const s = frameSummary(frames.deltas)
      const w = frameSummary(frames.work)
      return [
        {
          name: VIEWER_PAN_BENCH,
          frame_ms_median: s.median,
          frame_ms_p95: s.p95,
          late_frames_share: s.late,
          frame_work_ms_median: w.median,
          frame_work_ms_p95: w.p95,
          frame_work_ms_max: w.max,
          frames: frames.deltas.length,
          image_write_s: Math.round(writeS * 100) / 100,
          pyramid_s: Math.round(pyramidS * 100) / 100,
          whole_slice_s: Math.round(wholeSliceS * 100) / 100,
          browser: 'chromium headless, software rendering',
        },
      ]
    } finally {
      await session.close()
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

/** Waits until the xy view drew every tile of the level it wants (above level 0 when `coarse`). */
export async function wholeSliceDrawn(page: Page, timeout: number, coarse = true): Promise<void> {
  await page.waitForFunction(
    (coarseOnly) => {
      const doc = (
        globalThis as unknown as {
          document: { querySelector(s: string): { dataset: Record<string, string | undefined> } | null }
        }
      ).document
      const tiles = doc.querySelector('[data-testid="tiles-xy"]')?.dataset
      if (!tiles) return false
      return tiles.missing === '0' && Number(tiles.drawn) > 0 && (!coarseOnly || Number(tiles.level) > 0)
    },
    coarse,
    { timeout, polling: 16 },
  )
}

/** Wheel-zooms the xy view about its middle until its scale (screen pixels per voxel) reaches `scale`. */
export async function zoomTo(page: Page, scale: number, at?: { x: number; y: number }): Promise<void> {
  const view = page.getByTestId('view-xy')
  const box = (await view.boundingBox())!
  await page.mouse.move(at?.x ?? box.x + box.width / 2, at?.y ?? box.y + box.height / 2)
  for (let i = 0; i < 200; i++) {
    const now = Number(await view.getAttribute('data-scale'))
    if (Math.abs(Math.log(now / scale)) < 0.08) return
    await page.mouse.wheel(0, now < scale ? -100 : 100)
    await page.waitForFunction(
      ([before]) => {
        const doc = (
          globalThis as unknown as {
            document: { querySelector(s: string): { dataset: Record<string, string | undefined> } | null }
          }
        ).document
        return doc.querySelector('[data-testid="view-xy"]')?.dataset.scale !== before
      },
      [String(now)] as const,
      { timeout: 5000, polling: 16 },
    )
  }
  throw new Error(`could not zoom the xy view to ${scale}`)
}
