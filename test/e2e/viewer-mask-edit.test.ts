/**
 * End to end: correcting an ROI's mask on the xy view. A set computed on a box of its image is shown on
 * the whole image (its boxes shifted); the selected ROI's mask (set up as half its box) is painted with
 * the brush, undone and redone with the keys, then cleared in part with the eraser. After each, the
 * overlay's pixels and the mask stored in the project (its current version, read by the engine from the
 * project's database) are checked voxel by voxel, and the audit trail holds one row per action. Needs the
 * built renderer and Chromium.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decode } from 'fast-png'
import type { Page } from 'playwright-core'
import { zoomTo } from '../../src-main/cli/bench/viewer-pan.ts'
import { currentMask, maskHistory, saveMask } from '../../src-main/engine/labels/index.ts'
import { roisOf } from '../../src-main/engine/proposals/index.ts'
import { Project } from '../../src-main/engine/store/index.ts'
import { assertBrowserReady, browserTestContext, keepScreenshot } from '../helpers/browser.ts'
import { BOX, boxSetProject } from '../helpers/box-set.ts'

const { tmp, open } = browserTestContext('activeem-mask-edit-e2e-')

interface Doc {
  document: { querySelector(s: string): { dataset: Record<string, string | undefined> } | null }
}

/** Box dims of a mask, z y x. */
type Dims = [number, number, number]

/** The stored current mask of `roi` (the engine reads the project's database as the host left it). */
function stored(dir: string, roi: number): Uint8Array {
  const project = Project.open(dir)
  try {
    const found = currentMask(project, 1, roi)
    assert.ok(found, `ROI ${roi} has a stored mask version`)
    return found.mask
  } finally {
    project.close()
  }
}

function diff(
  a: Uint8Array,
  b: Uint8Array,
  dims: Dims,
): Array<{ z: number; y: number; x: number; to: number }> {
  const [, ny, nx] = dims
  const out: Array<{ z: number; y: number; x: number; to: number }> = []
  for (let i = 0; i < a.length; i++)
    if (a[i] !== b[i])
      out.push({ z: Math.floor(i / (ny * nx)), y: Math.floor(i / nx) % ny, x: i % nx, to: b[i]! })
  return out
}

/** Page pixel of voxel (y, x) of the xy slice (continuous voxel coordinates, centres at integers). */
async function pagePoint(page: Page, y: number, x: number): Promise<[number, number]> {
  const view = page.getByTestId('view-xy')
  const canvas = (await page.getByTestId('mask-xy').boundingBox())!
  const scale = Number(await view.getAttribute('data-scale'))
  const centre = (await view.getAttribute('data-centre'))!.split(',').map(Number)
  return [
    canvas.x + canvas.width / 2 + (x - centre[2]!) * scale,
    canvas.y + canvas.height / 2 + (y - centre[1]!) * scale,
  ]
}

/** Whether the pixel under voxel (y, x) shows the mask's cyan over the (near white) cube. */
async function masked(page: Page, y: number, x: number, name: string): Promise<boolean> {
  // The slice under the mask may still be drawing (a crop arriving after the view settled): the
  // pixel is read again until it shows the cube or the mask, for at most 10 s.
  for (let tries = 0; ; tries++) {
    const png = await page.screenshot()
    keepScreenshot(png, tmp, `${name}.png`)
    const image = decode(png)
    const [px, py] = (await pagePoint(page, y, x)).map(Math.round) as [number, number]
    const i = (py * image.width + px) * image.channels
    const [r, g, b] = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!]
    if (b - r > 60 && g - r > 40) return true
    if (Math.abs(b - r) < 25 && r > 150) return false
    if (tries >= 50) {
      // What lay at that pixel, to tell a view not yet drawn from a point off the view.
      const at = await page.evaluate(
        ([cx, cy]) => {
          const d = (
            globalThis as unknown as {
              document: {
                elementFromPoint(
                  x: number,
                  y: number,
                ): { className: unknown; getAttribute(n: string): string | null } | null
              }
            }
          ).document
          const el = d.elementFromPoint(cx!, cy!)
          return el ? `${String(el.className)} ${el.getAttribute('data-testid') ?? ''}` : 'nothing'
        },
        [px, py],
      )
      const view = await page.getByTestId('view-xy').boundingBox()
      const state = await page.getByTestId('view-xy').getAttribute('data-state')
      assert.fail(
        `${name}: voxel ${y},${x} is neither mask nor cube: rgb ${r},${g},${b} at page ${px},${py} ` +
          `(${at}; xy view ${JSON.stringify(view)} ${state}; screenshot ${image.width}x${image.height})`,
      )
    }
    await page.waitForTimeout(200)
  }
}

/** Waits until every mask request has answered and the overlay shows version `version` (0: the proposal's). */
async function settledAt(page: Page, version: number): Promise<void> {
  await page.waitForFunction(
    (want) => {
      const doc = (globalThis as unknown as Doc).document
      const bar = doc.querySelector('[data-testid="mask-edit-bar"]')?.dataset
      const layer = doc.querySelector('[data-testid="mask-xy"]')?.dataset
      return bar?.pending === '0' && layer?.version === String(want)
    },
    version,
    { timeout: 15_000, polling: 50 },
  )
  // Two frames: the overlay redraws on the next one.
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const g = globalThis as unknown as { requestAnimationFrame(cb: () => void): void }
        g.requestAnimationFrame(() => g.requestAnimationFrame(() => resolve(null)))
      }),
  )
}

async function drag(page: Page, y: number, from: number, to: number): Promise<void> {
  const [ax, ay] = await pagePoint(page, y, from)
  const [bx, by] = await pagePoint(page, y, to)
  await page.mouse.move(ax, ay)
  await page.mouse.down()
  await page.mouse.move(bx, by, { steps: 12 })
  await page.mouse.up()
}

test(
  'viewer: brush and eraser on an ROI mask, undo and redo, each stored as a version of it',
  { timeout: 240_000 },
  async () => {
    assertBrowserReady()
    const made = await boxSetProject(tmp)
    // Each ROI's mask starts as the left half of its box (a proposal's cube fills its box).
    const project = Project.open(made.project)
    const start = new Map<number, { box: number[]; dims: Dims; mask: Uint8Array; version: number }>()
    try {
      for (const r of roisOf(project, 1)) {
        const dims: Dims = [r.z1 - r.z0, r.y1 - r.y0, r.x1 - r.x0]
        const mask = new Uint8Array(dims[0] * dims[1] * dims[2])
        for (let i = 0; i < mask.length; i++) mask[i] = i % dims[2] < dims[2] / 2 ? 1 : 0
        const state = saveMask(project, 1, r.id, mask, 'setup')
        start.set(r.id, { box: [r.z0, r.y0, r.x0 + BOX.x0], dims, mask, version: state.version! })
      }
    } finally {
      project.close()
    }

    const { page, problems } = await open(made.project, { width: 1280, height: 900 })
    await page.getByTestId('tab-viewer').click()
    await page.getByTestId('viewer').waitFor({ timeout: 15_000 })
    await page.getByTestId('viewer-volume').selectOption(made.image)
    await page.locator('button[title="Next ROI"]').click()
    await page.getByTestId('viewer-selection').waitFor({ timeout: 10_000 })
    await page.waitForFunction(
      () =>
        (globalThis as unknown as Doc).document.querySelector('[data-testid="view-xy"]')?.dataset.state ===
        'ready',
      undefined,
      { timeout: 60_000 },
    )
    // The map off: the mask's colour is read over the image alone.
    await page.getByTestId('toggle-probability').click()
    const roi = Number(await page.getByTestId('viewer').getAttribute('data-selected-roi'))
    const setup = start.get(roi)
    assert.ok(setup, `ROI ${roi} selected`)
    const [z0, y0, x0] = setup.box as [number, number, number]
    const [, ny, nx] = setup.dims

    // B: the brush, on the selected ROI's mask as stored.
    await page.keyboard.press('b')
    await settledAt(page, setup.version)
    assert.equal(await page.getByTestId('mask-edit-bar').getAttribute('data-tool'), 'brush')
    const z = Number(await page.getByTestId('mask-xy').getAttribute('data-z'))
    assert.ok(z >= z0 && z < z0 + setup.dims[0], `the focus (z ${z}) is in the ROI's box`)
    // A voxel of the right (empty) half, away from the box's edges and the crosshair.
    const row = y0 + Math.round(ny * 0.75)
    const probe = x0 + Math.round(nx * 0.8)
    const left = y0 + Math.round(ny * 0.25)
    assert.equal(await masked(page, row, probe, 'mask-before'), false, 'the right half starts unmasked')
    assert.equal(
      await masked(page, left, x0 + Math.round(nx * 0.25), 'mask-left'),
      true,
      'the left half is masked',
    )

    // A brush stroke across the right half, and past the box's edge (nothing is painted outside it).
    await drag(page, row, x0 + nx * 0.35, x0 + nx + 4)
    await page.waitForFunction(
      (before) =>
        (globalThis as unknown as Doc).document.querySelector('[data-testid="mask-xy"]')?.dataset.version !==
        String(before),
      setup.version,
      { timeout: 15_000 },
    )
    const brushed = Number(await page.getByTestId('mask-xy').getAttribute('data-version'))
    await settledAt(page, brushed)
    assert.equal(await masked(page, row, probe, 'mask-brushed'), true, 'the stroke shows on the overlay')
    const afterBrush = stored(made.project, roi)
    const painted = diff(setup.mask, afterBrush, setup.dims)
    assert.ok(painted.length >= 10, `the stroke painted voxels (${painted.length})`)
    for (const v of painted) {
      assert.equal(v.to, 1, 'the brush paints 1')
      assert.equal(v.z, z - z0, 'only in the shown slice')
      assert.ok(Math.abs(v.y + y0 - row) <= 3.5, `within the brush's radius of the stroke: y ${v.y + y0}`)
    }
    assert.ok(
      painted.some((v) => v.y + y0 === row && v.x + x0 === probe),
      'the probed voxel is among the painted ones',
    )
    assert.ok(
      painted.some((v) => v.x === nx - 1),
      'the stroke reaches the box edge',
    )

    // Ctrl+Z: the set-up mask is current again, in the project and on the screen.
    await page.keyboard.press('Control+z')
    await settledAt(page, setup.version)
    assert.deepEqual(stored(made.project, roi), setup.mask, 'undo: the stored mask is the original again')
    assert.equal(await masked(page, row, probe, 'mask-undone'), false, 'undo: the pixels are back')

    // Ctrl+Shift+Z: the stroke again.
    await page.keyboard.press('Control+Shift+Z')
    await settledAt(page, brushed)
    assert.deepEqual(stored(made.project, roi), afterBrush, 'redo: the stroke is current again')
    assert.equal(await masked(page, row, probe, 'mask-redone'), true, 'redo: the stroke shows again')

    // E: the eraser, across the left half, zoomed in (Ctrl+wheel about the box) to twice the scale.
    const fitted = Number(await page.getByTestId('view-xy').getAttribute('data-scale'))
    const [cx, cy] = await pagePoint(page, y0 + ny / 2, x0 + nx / 2)
    await page.keyboard.down('Control')
    await zoomTo(page, fitted * 2, { x: cx, y: cy })
    await page.keyboard.up('Control')
    await settledAt(page, brushed)
    await page.keyboard.press('e')
    assert.equal(await page.getByTestId('mask-edit-bar').getAttribute('data-tool'), 'eraser')
    await drag(page, left, x0 + nx * 0.1, x0 + nx * 0.4)
    await page.waitForFunction(
      (before) =>
        (globalThis as unknown as Doc).document.querySelector('[data-testid="mask-xy"]')?.dataset.version !==
        String(before),
      brushed,
      { timeout: 15_000 },
    )
    const erased = Number(await page.getByTestId('mask-xy').getAttribute('data-version'))
    await settledAt(page, erased)
    const cleared = diff(afterBrush, stored(made.project, roi), setup.dims)
    assert.ok(cleared.length >= 10, `the eraser cleared voxels (${cleared.length})`)
    for (const v of cleared) {
      assert.equal(v.to, 0, 'the eraser clears')
      assert.equal(v.z, z - z0, 'only in the shown slice')
    }
    assert.equal(
      await masked(page, left, x0 + Math.round(nx * 0.25), 'mask-erased'),
      false,
      'the erased voxels show unmasked',
    )
    assert.equal(
      await masked(page, row, probe, 'mask-zoomed'),
      true,
      'zoomed in, the stroke still shows at its voxel',
    )

    // The audit trail: set-up, brush, undo, redo, eraser, under the browser's annotator.
    const audit = Project.open(made.project)
    try {
      const rows = maskHistory(audit, 1, roi)
      assert.deepEqual(
        rows.map((r) => r.action),
        ['edit', 'edit', 'undo', 'redo', 'edit'],
      )
      assert.deepEqual(
        rows.map((r) => r.current),
        [setup.version, brushed, setup.version, brushed, erased],
      )
      assert.ok(rows.slice(1).every((r) => r.annotator.length > 0 && r.annotator !== 'setup'))
    } finally {
      audit.close()
    }

    // Esc leaves editing: the overlay goes.
    await page.keyboard.press('Escape')
    await page.getByTestId('mask-xy').waitFor({ state: 'detached', timeout: 5000 })

    const banner = page.getByTestId('error-banner')
    assert.equal(await banner.count(), 0, `error banner: ${(await banner.allTextContents()).join(' | ')}`)
    assert.deepEqual(problems, [], 'no console errors or page errors')
  },
)
