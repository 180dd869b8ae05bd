/**
 * End to end: the predict card's box drawn in the viewer. A project with one raw volume larger than the
 * viewer's crop (so the slice views draw tiles); "Draw in viewer" opens it with the card's box outlined;
 * Esc goes back with the fields unchanged; then a drag on xy (zoomed out) draws y and x, a drag on xz
 * (zoomed in) sets z and x, its right edge is dragged out, and Enter puts the box in the card. Every box
 * is compared with the voxels under the drag points, computed from the view's data-centre and
 * data-scale, and the outline's pixels are checked on the screenshot where that mapping puts its edges.
 * Needs the built renderer and Chromium.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { decode } from 'fast-png'
import type { Page } from 'playwright-core'
import { wholeSliceDrawn, zoomTo } from '../../src-main/cli/bench/viewer-pan.ts'
import { Project } from '../../src-main/engine/store/index.ts'
import { loadH5wasm, openVolume, type Shape3 } from '../../src-main/engine/volume/index.ts'
import { assertBrowserReady, browserTestContext, keepScreenshot } from '../helpers/browser.ts'

const { tmp, open } = browserTestContext('activeem-box-draw-e2e-')

/** Larger than the crop (48 x 192 x 192) in y and x: the slice views draw it from tiles. */
const SHAPE: Shape3 = [24, 256, 384]
const AXES = ['z0', 'z1', 'y0', 'y1', 'x0', 'x1'] as const
type Box = [number, number, number, number, number, number]
type Plane = 'xy' | 'xz' | 'yz'
/** Screen right and down of each view, as indices into z, y, x. */
const VIEW_AXES: Record<Plane, { h: number; v: number }> = {
  xy: { h: 2, v: 1 },
  xz: { h: 2, v: 0 },
  yz: { h: 0, v: 1 },
}

async function rawProject(): Promise<string> {
  const [nz, ny, nx] = SHAPE
  const pixels = new Uint8Array(nz * ny * nx)
  // A grey texture: nothing in it is the outline's lime.
  for (let z = 0, i = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) pixels[i] = 40 + ((x * 7 + y * 13 + z * 29) % 120)
  const file = join(tmp, 'em.h5')
  const h5 = await loadH5wasm()
  const f = new h5.File(file, 'w')
  try {
    f.create_dataset({ name: 'raw', data: pixels, shape: SHAPE, dtype: '<B', chunks: [8, 64, 64] })
  } finally {
    f.close()
  }
  const project = Project.init(join(tmp, 'project'))
  try {
    const v = await openVolume(`${file}#raw`)
    try {
      project.addVolume(v, { role: 'raw', name: 'em' })
    } finally {
      v.close()
    }
    return project.dir
  } finally {
    project.close()
  }
}

/** What a view maps voxels to the screen by: the frame every view shares, and where this view lies on the page. */
interface ViewFrame {
  plane: Plane
  left: number
  top: number
  width: number
  height: number
  centre: number[]
  scale: number
}

async function frameOf(page: Page, plane: Plane): Promise<ViewFrame> {
  const view = page.getByTestId(`view-${plane}`)
  const overlay = page.getByTestId(`overlay-${plane}`)
  const at = (await overlay.boundingBox())!
  return {
    plane,
    left: at.x,
    top: at.y,
    width: Number(await overlay.getAttribute('width')),
    height: Number(await overlay.getAttribute('height')),
    centre: (await view.getAttribute('data-centre'))!.split(',').map(Number),
    scale: Number(await view.getAttribute('data-scale')),
  }
}

/** Page point of continuous voxel coordinates (a, b) along the view's h and v axes (the volume is isotropic). */
function pageOf(f: ViewFrame, h: number, v: number): [number, number] {
  const { h: ah, v: av } = VIEW_AXES[f.plane]
  return [
    f.left + f.width / 2 + (h - f.centre[ah]!) * f.scale,
    f.top + f.height / 2 + (v - f.centre[av]!) * f.scale,
  ]
}

/** The continuous voxel coordinates along h and v under a page point. */
function voxelOf(f: ViewFrame, x: number, y: number): [number, number] {
  const { h: ah, v: av } = VIEW_AXES[f.plane]
  return [
    f.centre[ah]! + (x - f.left - f.width / 2) / f.scale,
    f.centre[av]! + (y - f.top - f.height / 2) / f.scale,
  ]
}

/**
 * A whole page pixel near the voxel (h, v) and the voxels under it: a pixel whose voxel coordinate
 * lies near a boundary between voxels (where a fraction of a pixel decides) is moved along by one.
 */
function pointNear(f: ViewFrame, h: number, v: number): { at: [number, number]; voxel: [number, number] } {
  const [x0, y0] = pageOf(f, h, v).map(Math.round) as [number, number]
  const safe = (c: number) => Math.abs(c - Math.floor(c) - 0.5) > 0.15
  for (const [dx, dy] of [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
    [-1, 0],
    [0, -1],
    [-1, -1],
  ] as const) {
    const [a, b] = voxelOf(f, x0 + dx, y0 + dy)
    if (safe(a) && safe(b)) return { at: [x0 + dx, y0 + dy], voxel: [Math.round(a), Math.round(b)] }
  }
  throw new Error(`no pixel near voxel ${h},${v} lies clear of a voxel boundary`)
}

/** A press on an edge of the box would resize it: a drag meant to draw a new one starts clear of them. */
function clearOfEdges(f: ViewFrame, box: Box, at: [number, number]): void {
  const { h, v } = VIEW_AXES[f.plane]
  const [ph, pv] = voxelOf(f, ...at)
  for (const [p, axis] of [
    [ph, h],
    [pv, v],
  ] as const)
    for (const edge of [box[2 * axis]! - 0.5, box[2 * axis + 1]! - 0.5])
      assert.ok(Math.abs(p - edge) * f.scale > 10, `${p} is more than 10 px from the box edge ${edge}`)
}

async function drag(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  await page.mouse.move(...from)
  await page.mouse.down()
  await page.mouse.move(...to, { steps: 10 })
}

async function predictFields(page: Page): Promise<number[]> {
  const values: number[] = []
  for (const axis of AXES) values.push(Number(await page.getByTestId(`pf-predict-${axis}`).inputValue()))
  return values
}

async function drawnBox(page: Page): Promise<Box> {
  return (await page.getByTestId('box-draw-bar').getAttribute('data-box'))!.split(',').map(Number) as Box
}

function lime(r: number, g: number, b: number): boolean {
  return g > 200 && r > 120 && g - r > 25 && b < 130
}

/**
 * The outline of `box` on view `f`, checked on a screenshot: the lime stroke at each of its edges in view
 * (a third of the way along the part in view, off the handles and the crosshair), and none a few pixels
 * inside them. At least `least` edges must be in view.
 */
async function outlineAt(page: Page, f: ViewFrame, box: Box, name: string, least = 4): Promise<void> {
  const png = await page.screenshot()
  keepScreenshot(png, tmp, `box-draw/${name}.png`)
  const image = decode(png)
  const rgb = (x: number, y: number): [number, number, number] => {
    const i = (Math.round(y) * image.width + Math.round(x)) * image.channels
    return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!]
  }
  const { h, v } = VIEW_AXES[f.plane]
  const [left, top] = pageOf(f, box[2 * h]! - 0.5, box[2 * v]! - 0.5)
  const [right, bottom] = pageOf(f, box[2 * h + 1]! - 0.5, box[2 * v + 1]! - 0.5)
  // The view's own pixels, less a margin: its border and the stroke's width.
  const [minX, maxX] = [f.left + 8, f.left + f.width - 8]
  const [minY, maxY] = [f.top + 8, f.top + f.height - 8]
  const along = (a: number, b: number, lo: number, hi: number) => {
    const [p, q] = [Math.max(a, lo), Math.min(b, hi)]
    return p + (q - p) / 3
  }
  const all: Array<{ edge: string; at: [number, number]; inward: [number, number] }> = [
    { edge: 'left', at: [left, along(top, bottom, minY, maxY)], inward: [1, 0] },
    { edge: 'right', at: [right, along(top, bottom, minY, maxY)], inward: [-1, 0] },
    { edge: 'top', at: [along(left, right, minX, maxX), top], inward: [0, 1] },
    { edge: 'bottom', at: [along(left, right, minX, maxX), bottom], inward: [0, -1] },
  ]
  const edges = all.filter(({ at: [x, y] }) => x >= minX && x <= maxX && y >= minY && y <= maxY)
  assert.ok(edges.length >= least, `${name}: ${edges.length} edges of ${box.join(',')} in view`)
  for (const { edge, at, inward } of edges) {
    const near = [-1, 0, 1].map((d) => rgb(at[0] + d * Math.abs(inward[0]), at[1] + d * Math.abs(inward[1])))
    assert.ok(
      near.some((c) => lime(...c)),
      `${name}: the ${edge} edge of ${box.join(',')} is lime at page ${at.map(Math.round).join(',')}: ${JSON.stringify(near)}`,
    )
    const inside = rgb(at[0] + 6 * inward[0], at[1] + 6 * inward[1])
    assert.ok(
      !lime(...inside),
      `${name}: 6 px inside the ${edge} edge is not the outline: ${inside.join(',')}`,
    )
  }
}

test(
  'predict card: Draw in viewer; Esc leaves the box, a drag on xy and one on xz draw it, Enter puts it in the card',
  { timeout: 240_000 },
  async () => {
    assertBrowserReady()
    const project = await rawProject()
    const { page, problems } = await open(project, { width: 1280, height: 900 })

    // The card's box: the host's default, centred.
    await page.getByTestId('pf-predict-draw').waitFor({ timeout: 20_000 })
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as { document: { querySelector(s: string): { value: string } | null } }
        ).document.querySelector('[data-testid="pf-predict-x1"]')?.value !== '',
      undefined,
      { timeout: 10_000 },
    )
    const before = await predictFields(page)
    await page.getByTestId('pipeline-advanced-predict').fill('--seed 5')

    // 1. Esc: back to the card, every field as it was (the typed advanced flags too).
    await page.getByTestId('pf-predict-draw').click()
    await page.getByTestId('box-draw-bar').waitFor({ timeout: 15_000 })
    await page.getByTestId('predict-box-xy').waitFor({ timeout: 30_000 })
    assert.deepEqual(await drawnBox(page), before, 'the card box is outlined')
    const first = await frameOf(page, 'xy')
    const [a0, b0] = [0.3, 0.45].map((share) => {
      const [h, v] = voxelOf(first, first.left + share * first.width, first.top + share * first.height)
      return pointNear(first, h, v)
    })
    await drag(page, a0!.at, b0!.at)
    await page.mouse.up()
    assert.notDeepEqual(await drawnBox(page), before, 'the drag drew another box')
    await page.keyboard.press('Escape')
    await page.getByTestId('pf-predict-draw').waitFor({ timeout: 10_000 })
    assert.deepEqual(await predictFields(page), before, 'Esc: the fields unchanged')
    assert.equal(await page.getByTestId('pipeline-advanced-predict').inputValue(), '--seed 5')

    // 2. Draw again; zoomed out (below one pixel per voxel: coarser tiles) a drag on xy draws y and x.
    await page.getByTestId('pf-predict-draw').click()
    await page.getByTestId('predict-box-xy').waitFor({ timeout: 30_000 })
    assert.deepEqual(await drawnBox(page), before, 'the card box again')
    await page.keyboard.down('Control')
    await zoomTo(page, 0.7)
    await page.keyboard.up('Control')
    await wholeSliceDrawn(page, 30_000, false)
    const out = await frameOf(page, 'xy')
    assert.ok(out.scale < 1, `zoomed out: ${out.scale} px per voxel`)
    const wl = await page.getByTestId('viewer-window-value').textContent()
    const a = pointNear(out, 40, 30)
    const b = pointNear(out, 330, 215)
    clearOfEdges(out, before as Box, a.at)
    await drag(page, a.at, b.at)
    const afterXy: Box = [before[0]!, before[1]!, a.voxel[1], b.voxel[1] + 1, a.voxel[0], b.voxel[0] + 1]
    // While the button is down: the box and its outline where the mapping puts it.
    assert.deepEqual(await drawnBox(page), afterXy, 'y and x: the voxels under both drag points')
    await outlineAt(page, out, afterXy, 'xy-drawing')
    await page.mouse.up()
    assert.deepEqual(await drawnBox(page), afterXy)
    const still = await frameOf(page, 'xy')
    assert.deepEqual([still.centre, still.scale], [out.centre, out.scale], 'the drag did not pan')
    // A right-drag sets window/level outside drawing: not now.
    await page.mouse.move(a.at[0] + 30, a.at[1] + 30)
    await page.mouse.down({ button: 'right' })
    await page.mouse.move(a.at[0] + 130, a.at[1] + 90, { steps: 6 })
    await page.mouse.up({ button: 'right' })
    assert.equal(await page.getByTestId('viewer-window-value').textContent(), wl, 'no window/level drag')
    assert.deepEqual(await drawnBox(page), afterXy, 'nor a box from the right button')

    // 3. Zoomed in (several pixels per voxel: level 0), a drag on xz sets z and x.
    await page.keyboard.down('Control')
    await zoomTo(page, 2.5)
    await page.keyboard.up('Control')
    const inXz = await frameOf(page, 'xz')
    assert.ok(inXz.scale > 2, `zoomed in: ${inXz.scale} px per voxel`)
    // x from a little left of the middle to a little right of it, z from 5 to 18 (all of z is in view).
    const cx = inXz.centre[2]!
    const c = pointNear(inXz, cx - 0.3 * (inXz.width / inXz.scale / 2), 5)
    const d = pointNear(inXz, cx + 0.25 * (inXz.width / inXz.scale / 2), 18)
    clearOfEdges(inXz, afterXy, c.at)
    await drag(page, c.at, d.at)
    const drawn: Box = [c.voxel[1], d.voxel[1] + 1, afterXy[2], afterXy[3], c.voxel[0], d.voxel[0] + 1]
    assert.deepEqual(await drawnBox(page), drawn, 'z and x from xz, y kept')
    await outlineAt(page, inXz, drawn, 'xz-drawing')
    await page.mouse.up()
    // The xy view shows the same box's y and x at this zoom (its slice, the focus's z, is in the box).
    await outlineAt(page, await frameOf(page, 'xy'), drawn, 'xy-zoomed', 2)

    // An edge dragged: the right one on xy, 12 voxels out, ends on the voxel boundary under the pointer.
    const inXy = await frameOf(page, 'xy')
    const row = inXy.centre[1]! + 20
    const grab = pageOf(inXy, drawn[5] - 0.5, row).map(Math.round) as [number, number]
    const release = pageOf(inXy, drawn[5] + 12 - 0.5, row).map(Math.round) as [number, number]
    await drag(page, grab, release)
    await page.mouse.up()
    drawn[5] = Math.round(voxelOf(inXy, ...release)[0] + 0.5)
    assert.equal(drawn[5], drawn[4] + (d.voxel[0] + 1 - c.voxel[0]) + 12, 'the x end 12 voxels further')
    assert.deepEqual(await drawnBox(page), drawn, 'only the right edge moved')
    await outlineAt(page, inXy, drawn, 'xy-resized', 2)

    // The bar: the size in voxels and the card's estimate for it.
    const size = [drawn[1] - drawn[0], drawn[3] - drawn[2], drawn[5] - drawn[4]]
    assert.equal(await page.getByTestId('box-draw-size').textContent(), `${size.join(' × ')} voxels`)
    const estimate = (await page.getByTestId('box-draw-estimate').textContent()) ?? ''
    const millions = ((size[0]! * size[1]! * size[2]!) / 1e6).toFixed(2)
    assert.match(estimate, new RegExp(`^${millions} M voxels, about \\d`))

    // 4. Enter: back to the card with the box in its six fields and the same estimate.
    await page.keyboard.press('Enter')
    await page.getByTestId('pf-predict-draw').waitFor({ timeout: 10_000 })
    assert.deepEqual(await predictFields(page), drawn, 'the drawn box in the card')
    assert.equal(await page.getByTestId('pf-predict-whole').isChecked(), false)
    assert.equal(await page.getByTestId('pf-predict-estimate').textContent(), estimate)
    assert.equal(await page.getByTestId('pipeline-advanced-predict').inputValue(), '--seed 5')

    const banner = page.getByTestId('error-banner')
    assert.equal(await banner.count(), 0, `error banner: ${(await banner.allTextContents()).join(' | ')}`)
    assert.deepEqual(problems, [], 'no console errors or page errors')
  },
)
