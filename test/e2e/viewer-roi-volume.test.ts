/**
 * End to end: ROIs carry their volume. A set computed on a box of an image is drawn on the whole image
 * at the box's place (checked by the pixels of the selected box around the bright cube it found, and
 * the empty place it would have had unshifted), with its map laid there too; on another image the boxes,
 * the selection and the map are not drawn, and one line says why. Needs the built renderer and Chromium.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decode } from 'fast-png'
import type { Locator, Page } from 'playwright-core'
import { assertBrowserReady, browserTestContext, keepScreenshot } from '../helpers/browser.ts'
import { BOX, boxSetProject } from '../helpers/box-set.ts'

const { tmp, open } = browserTestContext('activeem-roi-volume-e2e-')

interface Rect {
  x0: number
  y0: number
  x1: number
  y1: number
}

/** The pixels of a screenshot, classified: the selection's colour, near-white image, the map's colours. */
function pixels(png: Buffer) {
  const image = decode(png)
  const { width, height, channels } = image
  const data = image.data
  const at = (x: number, y: number): [number, number, number] => {
    const i = (y * width + x) * channels
    return [data[i]!, data[i + 1]!, data[i + 2]!]
  }
  // SELECTED_COLOUR #ff4fd8
  const selected = ([r, g, b]: number[]) => r! > 220 && g! < 120 && b! > 170
  const white = ([r, g, b]: number[]) => r! > 215 && g! > 215 && b! > 215
  // The map's warm colours over the image (light orange over a bright cube): red well above blue.
  const orange = ([r, g, b]: number[]) => r! > 150 && r! - b! > 60 && r! >= g!
  const count = (rect: Rect, is: (p: number[]) => boolean): number => {
    let n = 0
    for (let y = Math.max(0, Math.round(rect.y0)); y < Math.min(height, Math.round(rect.y1)); y++)
      for (let x = Math.max(0, Math.round(rect.x0)); x < Math.min(width, Math.round(rect.x1)); x++)
        if (is(at(x, y))) n++
    return n
  }
  const bounds = (is: (p: number[]) => boolean): Rect | null => {
    let r: Rect | null = null
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        if (is(at(x, y)))
          r = r
            ? {
                x0: Math.min(r.x0, x),
                y0: Math.min(r.y0, y),
                x1: Math.max(r.x1, x + 1),
                y1: Math.max(r.y1, y + 1),
              }
            : { x0: x, y0: y, x1: x + 1, y1: y + 1 }
    return r
  }
  /** The rectangle outlined in `is` colours: its rows of edge (the label above it is text, not a row). */
  const outline = (is: (p: number[]) => boolean): Rect | null => {
    const b = bounds(is)
    if (!b) return null
    const rows: number[] = []
    for (let y = b.y0; y < b.y1; y++)
      if (count({ x0: b.x0, x1: b.x1, y0: y, y1: y + 1 }, is) >= 0.6 * (b.x1 - b.x0)) rows.push(y)
    return rows.length < 2 ? null : { x0: b.x0, x1: b.x1, y0: rows[0]!, y1: rows.at(-1)! + 1 }
  }
  const all: Rect = { x0: 0, y0: 0, x1: width, y1: height }
  return { selected, white, orange, count, bounds, outline, all }
}

async function shot(view: Locator, since: number): Promise<{ png: Buffer; frame: number }> {
  const testId = await view.getAttribute('data-testid')
  await view.page().waitForFunction(
    ([id, before]) => {
      const doc = (
        globalThis as unknown as {
          document: { querySelector(s: string): { dataset: Record<string, string> } | null }
        }
      ).document
      return Number(doc.querySelector(`[data-testid="${id}"]`)?.dataset.frame ?? 0) > before
    },
    [testId, since] as const,
    { timeout: 20_000 },
  )
  return { png: await view.screenshot(), frame: Number(await view.getAttribute('data-frame')) }
}

async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const doc = (
        globalThis as unknown as {
          document: { querySelector(s: string): { dataset: Record<string, string> } | null }
        }
      ).document
      const state = doc.querySelector('[data-testid="view-xy"]')?.dataset.state
      const busy = doc.querySelector('.busy')
      return (state === 'ready' || state === 'error') && !busy
    },
    undefined,
    { timeout: 60_000 },
  )
}

test(
  'viewer: ROIs from a box are drawn at their place on the whole image, and never on another image',
  { timeout: 240_000 },
  async () => {
    assertBrowserReady()
    const made = await boxSetProject(tmp)
    const { page, problems } = await open(made.project, { width: 1280, height: 900 })
    await page.getByTestId('tab-viewer').click()
    await page.getByTestId('viewer').waitFor({ timeout: 15_000 })
    await settled(page)

    // The whole image, then the first ROI selected: every view centres on it.
    await page.getByTestId('viewer-volume').selectOption(made.image)
    await settled(page)
    const xy = page.getByTestId('view-xy')
    assert.equal(
      await xy.getAttribute('data-state'),
      'ready',
      `xy: ${await xy.textContent()} | ${problems.join(' | ')}`,
    )
    assert.equal(await page.getByTestId('rois-hidden').count(), 0, 'the set belongs to this image')
    const before = Number(await xy.getAttribute('data-frame'))
    await page.locator('button[title="Next ROI"]').click()
    await page.getByTestId('viewer-selection').waitFor({ timeout: 5000 })
    await page.getByTestId('toggle-probability').click()
    const plain = await shot(xy, before)
    const scale = Number(await xy.getAttribute('data-scale'))
    assert.ok(scale > 0.5, `the crop fits the view at a readable zoom (${scale} px per voxel)`)

    // The selected box (drawn in the selection colour) surrounds the bright cube the ROI was found on.
    const p = pixels(plain.png)
    const box = p.outline(p.selected)
    assert.ok(box, 'the selected ROI box is drawn')
    const inner: Rect = { x0: box.x0 + 4, y0: box.y0 + 4, x1: box.x1 - 4, y1: box.y1 - 4 }
    const area = (inner.x1 - inner.x0) * (inner.y1 - inner.y0)
    const cubeSide = 16 * scale
    assert.ok(
      Math.abs(box.x1 - box.x0 - cubeSide) < 8 && Math.abs(box.y1 - box.y0 - cubeSide) < 8,
      `the box is the cube's size: ${JSON.stringify(box)} at ${scale} px per voxel`,
    )
    const whiteIn = p.count(inner, p.white)
    assert.ok(whiteIn > 0.8 * area, `the cube fills the selected box: ${whiteIn} of ${area} px white`)
    // Unshifted, the box would lie BOX.x0 voxels to the left: nothing is drawn there, and there is no cube.
    const unshifted: Rect = { ...box, x0: box.x0 - BOX.x0 * scale, x1: box.x1 - BOX.x0 * scale }
    assert.equal(p.count(unshifted, p.selected), 0, 'no box at the unshifted place')
    assert.ok(
      p.count(unshifted, p.white) < 0.05 * area,
      'the unshifted place holds no cube (the test would tell)',
    )

    // The map, predicted from the box, lies over the cube too, and not at the unshifted place.
    await page.getByTestId('toggle-probability').click()
    const withMap = await shot(xy, plain.frame)
    const m = pixels(withMap.png)
    const orangeIn = m.count(inner, m.orange)
    assert.ok(orangeIn > 0.5 * area, `the map lies over the cube: ${orangeIn} of ${area} px`)
    assert.ok(m.count(unshifted, m.orange) < 0.02 * area, 'no map at the unshifted place')
    assert.equal(await page.getByTestId('map-hidden').count(), 0)
    keepScreenshot(await page.screenshot(), tmp, 'viewer-roi-on-image.png')

    // Another image of the same shape: no boxes, no selection, no map; one line says why.
    await page.getByTestId('viewer-volume').selectOption(made.other)
    await settled(page)
    const hidden = page.getByTestId('rois-hidden')
    await hidden.waitFor({ timeout: 10_000 })
    assert.equal(
      (await hidden.textContent())?.trim(),
      `ROIs of set 1 belong to ${made.boxed}; not shown on ${made.other}`,
    )
    assert.match(
      (await page.getByTestId('map-hidden').textContent()) ?? '',
      /was predicted from .*; not overlaid on .*other\.h5#raw/,
    )
    const elsewhere = await shot(xy, 0)
    const o = pixels(elsewhere.png)
    assert.equal(o.count(o.all, o.selected), 0, 'no selected box on another image')
    assert.equal(await page.locator('[data-roi-centroid]').count(), 0, 'no ROI marks on another image')
    assert.ok(o.count(o.all, o.orange) < 50, `no map on another image (${o.count(o.all, o.orange)} px)`)
    assert.match((await page.getByTestId('viewer-readout').textContent()) ?? '', /no ROI selected/)
    keepScreenshot(await page.screenshot(), tmp, 'viewer-roi-elsewhere.png')

    const banner = page.getByTestId('error-banner')
    assert.equal(await banner.count(), 0, `error banner: ${(await banner.allTextContents()).join(' | ')}`)
    assert.deepEqual(problems, [], 'no console errors or page errors')
  },
)
