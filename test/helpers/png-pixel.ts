import type { Page } from 'playwright-core'

/** The few browser APIs the decoding uses (the node tsconfig has no DOM lib). */
interface BrowserGlobals {
  createImageBitmap(blob: Blob): Promise<{ width: number; height: number }>
  OffscreenCanvas: new (
    width: number,
    height: number,
  ) => {
    getContext(kind: '2d'): {
      drawImage(image: unknown, x: number, y: number): void
      getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray }
    } | null
  }
}

/** The r, g, b of the page's screen pixel at (x, y) in CSS pixels, as a screenshot of it shows it. */
export async function screenPixel(page: Page, x: number, y: number): Promise<number[]> {
  const png = await page.screenshot({ clip: { x: Math.floor(x), y: Math.floor(y), width: 1, height: 1 } })
  return page.evaluate(async (base64) => {
    const browser = globalThis as unknown as BrowserGlobals
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
    const bitmap = await browser.createImageBitmap(new Blob([bytes], { type: 'image/png' }))
    const context = new browser.OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!
    context.drawImage(bitmap, 0, 0)
    const d = context.getImageData(0, 0, 1, 1).data
    return [d[0]!, d[1]!, d[2]!]
  }, png.toString('base64'))
}
