/**
 * End to end (issue 23, grid ergonomics): a round of 16 single-member clusters from a real proposal set
 * whose raw volume has one grey level per slice (test/helpers/slice-set.ts), `activeem serve` as a child
 * process, the built renderer in headless Chromium. Small clusters share lines and the arrows read across
 * them; hovering a thumbnail (or Z) shows its ROI's slices z-1, z, z+1, whose pixels are those slices'
 * greys; two other annotators' labels, written through the engine, show as dots in their verdicts' colours.
 * Needs the built renderer (npm run build) and Chromium at /usr/bin/chromium (or ACTIVEEM_CHROMIUM).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { setLabel } from '../../src-main/engine/labels/index.ts'
import { roisOf } from '../../src-main/engine/proposals/index.ts'
import { Project } from '../../src-main/engine/store/index.ts'
import { assertBrowserReady, browserTestContext, keepScreenshot } from '../helpers/browser.ts'
import { screenPixel } from '../helpers/png-pixel.ts'
import { SLICE_SET_SHAPE, sliceGrey, sliceSetProject } from '../helpers/slice-set.ts'

const { tmp, open } = browserTestContext('activeem-e2e-grid-ergonomics-')

/** The few browser APIs the in-page checks use (the node tsconfig has no DOM lib). */
interface PageCanvas {
  width: number
  height: number
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray }
  }
}

/** A canvas's corner pixel (outside any mask) and how many of its pixels have the mitochondria outline's colour. */
async function canvasPixels(page: Page, selector: string): Promise<{ corner: number[]; outline: number }> {
  return page.locator(selector).evaluate((element) => {
    const canvas = element as unknown as PageCanvas
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
    let outline = 0
    for (let i = 0; i < data.length; i += 4)
      if (data[i]! > 240 && data[i + 1]! > 170 && data[i + 1]! < 220 && data[i + 2]! < 30) outline++
    return { corner: [data[0]!, data[1]!, data[2]!], outline }
  })
}

const tile = (roi: number): string => `[data-testid="tile"][data-roi="${roi}"]`

async function box(
  page: Page,
  selector: string,
): Promise<{ x: number; y: number; width: number; height: number }> {
  const b = await page.locator(selector).boundingBox()
  assert.ok(b, `${selector} is on the page`)
  return b
}

async function focusedRoi(page: Page): Promise<number> {
  return Number(await page.locator('[data-testid="tile"][data-focused="true"]').getAttribute('data-roi'))
}

test(
  'grid ergonomics: small clusters side by side in reading order, the slices around an ROI, the others’ votes',
  { timeout: 180_000 },
  async () => {
    assertBrowserReady()
    const made = await sliceSetProject(tmp)
    const { rois } = made
    assert.equal(rois.length, 16)

    // Where each ROI's thumbnail was cut, and its box: what its slices must show.
    const project = Project.open(made.dir)
    const table = new Map(roisOf(project, made.setId).map((r) => [r.id, r]))
    // Two other annotators' votes on the first three queries (written as those annotators, through the
    // engine); the page's own annotator labels the fourth.
    const [r1, r2, r3, r4] = rois as [number, number, number, number]
    const votes: Array<[number, 'correct' | 'incorrect' | 'unsure', string]> = [
      [r1, 'correct', 'alice'],
      [r1, 'incorrect', 'bob'],
      [r2, 'unsure', 'alice'],
      [r3, 'incorrect', 'bob'],
    ]
    for (const [roi, value, who] of votes) setLabel(project, made.setId, roi, value, who)
    project.close()

    const { page, problems } = await open(made.dir, { width: 1280, height: 900 })
    await page.getByTestId('tab-queries').click()
    await page.getByTestId('query-grid').waitFor({ timeout: 15_000 })
    for (const roi of rois)
      await page.locator(`${tile(roi)} canvas[data-ready="true"]`).waitFor({ timeout: 30_000 })
    const me = await page.getByTestId('annotator').inputValue()
    assert.ok(!['alice', 'bob'].includes(me), `the page labels as ${me}`)

    // 1. Several single-member clusters share a line, each header over its own tile.
    const headers = page.locator('[data-testid="cluster-header"]')
    assert.equal(await headers.count(), 16)
    const tops = new Map<number, number>()
    for (const roi of rois) {
      const cluster = made.clusterOf.get(roi)!
      const header = await box(page, `[data-testid="cluster-header"][data-cluster="${cluster}"]`)
      const own = await box(page, tile(roi))
      assert.ok(Math.abs(header.x - own.x) < 1, `cluster ${cluster}'s header starts over its tile`)
      assert.ok(
        header.y < own.y && own.y - header.y < 50,
        `cluster ${cluster}'s header is just above its tile`,
      )
      tops.set(Math.round(header.y), (tops.get(Math.round(header.y)) ?? 0) + 1)
    }
    const widest = Math.max(...tops.values())
    assert.ok(widest >= 2, `at most ${widest} cluster header(s) on one line`)
    assert.ok(tops.size < 16, `${tops.size} lines for 16 clusters`)

    // The arrows read across the clusters of a line, then on to the next line: display order is reading order.
    assert.equal(await focusedRoi(page), r1)
    const seen: Array<{ roi: number; x: number; y: number }> = []
    for (let k = 0; k < rois.length; k++) {
      const roi = await focusedRoi(page)
      const at = await box(page, tile(roi))
      seen.push({ roi, x: at.x, y: at.y })
      await page.keyboard.press('ArrowRight')
    }
    assert.deepEqual(
      seen.map((s) => s.roi),
      rois,
    )
    for (let k = 1; k < seen.length; k++) {
      const [a, b] = [seen[k - 1]!, seen[k]!]
      assert.ok(
        (Math.abs(a.y - b.y) < 1 && b.x > a.x) || b.y > a.y + 1,
        `query ${k + 1} reads after query ${k}: ${JSON.stringify([a, b])}`,
      )
    }
    // Down goes to the next line's tile nearest below; PgDn to the next cluster; Home back to the first.
    await page.keyboard.press('Home')
    await page.keyboard.press('ArrowDown')
    const below = await box(page, tile(await focusedRoi(page)))
    assert.ok(
      below.y > seen[0]!.y + 1 && Math.abs(below.x - seen[0]!.x) < 1,
      'down: the tile below the first',
    )
    await page.keyboard.press('Home')
    await page.keyboard.press('PageDown')
    assert.equal(await focusedRoi(page), r2)
    await page.keyboard.press('PageUp')
    assert.equal(await focusedRoi(page), r1)

    // 2. Others' votes: a dot per other annotator in the verdict's colour, with their name; none of mine.
    const expectedColour = { correct: [22, 163, 74], incorrect: [220, 38, 38], unsure: [217, 119, 6] }
    for (const roi of [r1, r2, r3]) {
      const mine = votes.filter(([r]) => r === roi)
      const dots = page.locator(`${tile(roi)} [data-testid="vote"]`)
      assert.equal(await dots.count(), mine.length, `ROI ${roi}: one dot per other annotator`)
      for (const [, value, who] of mine) {
        const dot = `${tile(roi)} [data-testid="vote"][data-annotator="${who}"]`
        assert.equal(await page.locator(dot).getAttribute('title'), `${who}: ${value}`)
        const b = await box(page, dot)
        const pixel = await screenPixel(page, b.x + b.width / 2, b.y + b.height / 2)
        for (const [c, v] of expectedColour[value].entries())
          assert.ok(Math.abs(pixel[c]! - v) <= 10, `ROI ${roi}, ${who}'s ${value} dot is ${pixel.join(',')}`)
      }
    }
    // The page's own label is its mark, not a dot; unlabelled tiles have no dots, grey where one would be.
    await page.locator(tile(r4)).click()
    await page.keyboard.press('y')
    await page.locator(`${tile(r4)}[data-label="correct"]`).waitFor({ timeout: 10_000 })
    await page.mouse.move(5, 5) // the click's hover would lay r4's slices over the tiles beside it
    await page.locator('[data-testid="slices"]').waitFor({ state: 'detached', timeout: 5_000 })
    for (const roi of [r4, rois[5]!, rois[9]!]) {
      assert.equal(await page.locator(`${tile(roi)} [data-testid="vote"]`).count(), 0, `ROI ${roi}: no dots`)
      const frame = await box(page, `${tile(roi)} .frame`)
      const pixel = await screenPixel(page, frame.x + 8, frame.y + frame.height - 8)
      assert.ok(pixel[0] === pixel[1] && pixel[1] === pixel[2], `ROI ${roi}: grey where a dot would be`)
    }

    // 3. Hovering a thumbnail shows its ROI's slices z-1, z, z+1 at 128 px, each that slice's grey.
    const checkSlices = async (roi: number, outline: boolean): Promise<void> => {
      const panel = `[data-testid="slices"][data-roi="${roi}"][data-state="ready"]`
      await page.locator(panel).waitFor({ timeout: 15_000 })
      const own = table.get(roi)!
      const slice = own.alignment!.slice
      const last = SLICE_SET_SHAPE[0] - 1
      for (const dz of [-1, 0, 1]) {
        const canvas = `${panel} canvas[data-dz="${dz}"]`
        const z = Math.min(last, Math.max(0, slice + dz))
        assert.equal(Number(await page.locator(canvas).getAttribute('data-z')), z, `ROI ${roi} at ${dz}`)
        const b = await box(page, canvas)
        assert.deepEqual([b.width, b.height], [128, 128])
        const px = await canvasPixels(page, canvas)
        assert.deepEqual(
          px.corner,
          [sliceGrey(z), sliceGrey(z), sliceGrey(z)],
          `ROI ${roi}, slice ${z}'s grey`,
        )
        const inside = z >= own.z0 && z < own.z1
        if (outline && inside) assert.ok(px.outline >= 20, `ROI ${roi}, slice ${z}: its outline`)
        else assert.equal(px.outline, 0, `ROI ${roi}, slice ${z}: no outline`)
      }
    }
    await page.hover(`${tile(r2)} .frame`)
    await checkSlices(r2, true)
    const strip = await box(page, '[data-testid="slices"]')
    const hovered = await box(page, tile(r2))
    assert.ok(
      strip.x >= hovered.x + hovered.width || strip.x + strip.width <= hovered.x,
      'the slices lie beside the tile',
    )
    const png = await page.screenshot()
    keepScreenshot(png, tmp, 'grid-ergonomics.png')
    await page.mouse.move(5, 5)
    await page.locator('[data-testid="slices"]').waitFor({ state: 'detached', timeout: 5_000 })

    // Z shows them for the focused ROI and they follow the focus; an ROI on the volume's first slice clamps.
    const edge = rois.find((roi) => table.get(roi)!.z1 === 1)!
    await page.keyboard.press('Home')
    await page.keyboard.press('z')
    await checkSlices(r1, true)
    await page.keyboard.press('ArrowRight')
    await checkSlices(r2, true)
    await page.keyboard.press('Home')
    for (let k = 0; k < rois.indexOf(edge); k++) await page.keyboard.press('ArrowRight')
    assert.equal(await focusedRoi(page), edge)
    await checkSlices(edge, true)
    // O: drawn again without the outline.
    await page.keyboard.press('o')
    await checkSlices(edge, false)
    await page.keyboard.press('o')
    await page.keyboard.press('Escape')
    await page.locator('[data-testid="slices"]').waitFor({ state: 'detached', timeout: 5_000 })

    const banner = page.getByTestId('error-banner')
    assert.equal(await banner.count(), 0, `error banner: ${(await banner.allTextContents()).join(' | ')}`)
    assert.deepEqual(problems, [], 'no console errors or page errors')
  },
)
