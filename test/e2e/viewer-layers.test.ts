/**
 * End to end: the viewer's layers. A label volume overlaid on its image at 50% opacity is checked pixel
 * by pixel as the blend of each label's colour with the image's grey (known from the volume's values and
 * its one auto-contrast): on a large image drawn from tiles, fitted and zoomed out to a coarse strided
 * level, and on a small image drawn by vtk.js from one crop with the labels on a canvas over it. The
 * layer settings are remembered in the project. Needs the built renderer and Chromium.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Locator, Page } from 'playwright-core'
import { zoomTo } from '../../src-main/cli/bench/viewer-pan.ts'
import { labelCode } from '../../src-main/engine/volume/index.ts'
import { blend, labelColour } from '../../src-renderer/src/viewer/colours.ts'
import { assertBrowserReady, browserTestContext, keepScreenshot } from '../helpers/browser.ts'
import { bandGrey, labelAt, labelLayersProject } from '../helpers/label-layers.ts'

const { tmp, open } = browserTestContext('activeem-viewer-layers-e2e-')

interface Frame {
  scale: number
  centre: number[]
  width: number
  height: number
}

interface Doc {
  document: { querySelector(s: string): { dataset: Record<string, string | undefined> } | null }
}

async function frameOf(page: Page, canvas: Locator): Promise<Frame> {
  const view = page.getByTestId('view-xy')
  const box = (await canvas.boundingBox())!
  return {
    scale: Number(await view.getAttribute('data-scale')),
    centre: (await view.getAttribute('data-centre'))!.split(',').map(Number),
    width: box.width,
    height: box.height,
  }
}

/** Where voxel (y, x) of the xy slice lands in the canvas, in its pixels. */
function screenOf(f: Frame, y: number, x: number): [number, number] {
  return [f.width / 2 + (x - f.centre[2]!) * f.scale, f.height / 2 + (y - f.centre[1]!) * f.scale]
}

/** RGB of a PNG at pixel positions, decoded in the page. */
async function coloursAt(page: Page, png: Buffer, points: Array<[number, number]>): Promise<number[][]> {
  return page.evaluate(
    async ([base64, at]) => {
      const g = globalThis as unknown as {
        createImageBitmap(blob: Blob): Promise<{ width: number; height: number }>
        OffscreenCanvas: new (
          w: number,
          h: number,
        ) => {
          getContext(kind: '2d'): {
            drawImage(i: unknown, x: number, y: number): void
            getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray }
          }
        }
      }
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
      const bitmap = await g.createImageBitmap(new Blob([bytes], { type: 'image/png' }))
      const canvas = new g.OffscreenCanvas(bitmap.width, bitmap.height)
      const ctx = canvas.getContext('2d')
      ctx.drawImage(bitmap, 0, 0)
      const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data
      return at.map(([x, y]) => {
        const i = (Math.floor(y) * bitmap.width + Math.floor(x)) * 4
        return [data[i]!, data[i + 1]!, data[i + 2]!]
      })
    },
    [png.toString('base64'), points] as const,
  )
}

/** Waits until `testid`'s canvas has drawn every tile it wants, of the label volume too. */
async function drawn(page: Page, testid: string, labels: boolean): Promise<void> {
  await page.waitForFunction(
    ([id, withLabels]) => {
      const d = (globalThis as unknown as Doc).document.querySelector(`[data-testid="${id}"]`)?.dataset
      if (!d || Number(d.drawn) === 0 || d.missing !== '0') return false
      return !withLabels || (d.labelLevel !== '-1' && d.labelMissing === '0')
    },
    [testid, labels] as const,
    { timeout: 30_000, polling: 50 },
  )
  // Two frames more: the last tile's picture may be made a frame after it arrived.
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const g = globalThis as unknown as { requestAnimationFrame(cb: () => void): void }
        g.requestAnimationFrame(() => g.requestAnimationFrame(() => resolve(null)))
      }),
  )
}

/**
 * Checks sample voxels of each label and of the background, away from the crosshair (through the view's
 * middle) and the edges: each pixel is the label's colour blended at `opacity` over the band's grey.
 */
async function checkBlend(
  page: Page,
  canvas: Locator,
  n: number,
  opacity: number,
  name: string,
): Promise<void> {
  const frame = await frameOf(page, canvas)
  const png = await canvas.screenshot()
  keepScreenshot(png, tmp, `${name}.png`)
  // Voxels under a grid of screen points, off the crosshair and away from any edge of a band or label.
  const samples: Array<{ y: number; x: number }> = []
  const margin = Math.ceil(4 / frame.scale) + 2
  const steady = (y: number, x: number) => {
    for (const dy of [-margin, 0, margin])
      for (const dx of [-margin, 0, margin]) {
        const [yy, xx] = [y + dy, x + dx]
        if (yy < 0 || xx < 0 || yy >= n || xx >= n) return false
        if (bandGrey(yy, n) !== bandGrey(y, n) || labelAt(yy, xx, n) !== labelAt(y, x, n)) return false
      }
    return true
  }
  // The part of the slice in the view.
  const shown = (axis: 1 | 2, extent: number): [number, number] => [
    Math.max(0, frame.centre[axis]! - extent / 2 / frame.scale),
    Math.min(n, frame.centre[axis]! + extent / 2 / frame.scale),
  ]
  const [y0, y1] = shown(1, frame.height)
  const [x0, x1] = shown(2, frame.width)
  for (const fy of [0.1, 0.2, 0.3, 0.42, 0.58, 0.7, 0.8, 0.9])
    for (const fx of [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9]) {
      const y = Math.round(y0 + fy * (y1 - y0))
      const x = Math.round(x0 + fx * (x1 - x0))
      const [px, py] = screenOf(frame, y, x)
      // Clear of the view's badge (top left), axes and scale bar (bottom corners).
      const chrome = py < 36 || py > frame.height - 64 || px < 8 || px > frame.width - 8
      if (steady(y, x) && !chrome) samples.push({ y, x })
    }
  const points = samples.map(({ y, x }) => screenOf(frame, y, x))
  const got = await coloursAt(page, png, points)
  let labelled = 0
  samples.forEach(({ y, x }, i) => {
    const grey = bandGrey(y, n)
    const id = labelAt(y, x, n)
    const colour = id === 0 ? null : labelColour(labelCode(id))
    const want = [0, 1, 2].map((c) => (colour ? blend(colour[c]!, grey, opacity) : grey))
    if (colour) labelled++
    const off = Math.max(...want.map((w, c) => Math.abs(w - got[i]![c]!)))
    assert.ok(
      off <= 4,
      `${name}: voxel ${y},${x} (label ${id}, grey ${grey}) at ${points[i]!.map(Math.round).join(',')}: ` +
        `rgb ${got[i]!.join(',')}, expected ${want.map(Math.round).join(',')}`,
    )
  })
  assert.ok(labelled >= 4 && samples.length - labelled >= 2, `${name}: ${labelled} labelled samples checked`)
}

test(
  'viewer: a label volume at 50% over its image, every pixel the blend, at every zoom level',
  { timeout: 240_000 },
  async () => {
    assertBrowserReady()
    const made = labelLayersProject(tmp)
    const { page, problems } = await open(made.project, { width: 1280, height: 900 })
    await page.getByTestId('tab-viewer').click()
    await page.getByTestId('viewer').waitFor({ timeout: 15_000 })
    const tiles = page.getByTestId('tiles-xy')
    await drawn(page, 'tiles-xy', false)
    assert.equal(await page.getByTestId('viewer-wl').getAttribute('data-units'), 'data')
    assert.equal(await page.getByTestId('viewer-level-value').textContent(), '110', 'level in data units')
    assert.equal(await page.getByTestId('viewer-window-value').textContent(), '180', 'window in data units')

    // The big image's labels on, at 50%.
    await page.getByTestId('layers-menu').click()
    await page.getByTestId('layer-labels-volume').selectOption(made.labels[0]!)
    await page.getByTestId('layer-visible-labels').check()
    await page.getByTestId('layer-opacity-labels').fill('50')
    await page.getByTestId('layers-menu').click()
    await drawn(page, 'tiles-xy', true)
    assert.equal(
      await tiles.getAttribute('data-label-level'),
      await tiles.getAttribute('data-level'),
      'fitted, the labels are read at the image level',
    )
    await checkBlend(page, tiles, made.big, 0.5, 'layers-tiled-fit')

    // Zoomed in past one pixel a voxel: level 0 of both.
    await zoomTo(page, 2)
    await drawn(page, 'tiles-xy', true)
    assert.equal(await tiles.getAttribute('data-level'), '0')
    assert.equal(await tiles.getAttribute('data-label-level'), '0')
    await checkBlend(page, tiles, made.big, 0.5, 'layers-tiled-in')

    // Zoomed out: a strided level of the image and of the labels (nearest voxels: labels stay labels).
    await zoomTo(page, 0.2)
    await drawn(page, 'tiles-xy', true)
    assert.equal(await tiles.getAttribute('data-level'), '2', 'the image at a coarse level')
    assert.equal(await tiles.getAttribute('data-label-level'), '2', 'the labels at the same coarse level')
    await checkBlend(page, tiles, made.big, 0.5, 'layers-tiled-coarse')

    // The small image: one crop drawn by vtk.js, its labels on a canvas over it.
    await page.getByTestId('viewer-volume').selectOption(made.images[1]!)
    await page.getByTestId('layers-menu').click()
    await page.getByTestId('layer-labels-volume').selectOption(made.labels[1]!)
    await page.getByTestId('layers-menu').click()
    await page.getByRole('button', { name: 'Fit' }).click()
    await page.waitForFunction(
      () =>
        (globalThis as unknown as Doc).document.querySelector('[data-testid="view-xy"]')?.dataset.state ===
        'ready',
      undefined,
      { timeout: 30_000 },
    )
    const overlay = page.getByTestId('labels-xy')
    await drawn(page, 'labels-xy', true)
    // The vtk.js frame after the crop arrived.
    await page.waitForTimeout(500)
    await checkBlend(page, overlay, made.small, 0.5, 'layers-crop')

    // Remembered per project.
    await page.waitForTimeout(800)
    const saved = JSON.parse(readFileSync(join(made.project, 'ui-state.json'), 'utf8')) as {
      layers: { labels: { visible: boolean; opacity: number; spec: string } }
    }
    assert.deepEqual(saved.layers.labels, { visible: true, opacity: 0.5, spec: made.labels[1] })

    const banner = page.getByTestId('error-banner')
    assert.equal(await banner.count(), 0, `error banner: ${(await banner.allTextContents()).join(' | ')}`)
    assert.deepEqual(problems, [], 'no console errors or page errors')
  },
)
