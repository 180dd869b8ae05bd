/**
 * The colours of the viewer's overlays as 256-entry RGBA tables over display values (0..255): the
 * probability map under a chosen colormap, and label codes (0 clear, each other code its own hue). The
 * slice views' canvases draw through these tables, and the tests compute the blend they expect from them.
 */

/** Colormaps the probability map can be drawn in: control points [value, r, g, b] (0..1). */
export const COLORMAPS = {
  fire: [
    [0, 0.55, 0.05, 0.0],
    [128, 1.0, 0.35, 0.0],
    [255, 1.0, 0.9, 0.25],
  ],
  viridis: [
    [0, 0.27, 0.0, 0.33],
    [85, 0.23, 0.32, 0.55],
    [170, 0.13, 0.66, 0.52],
    [255, 0.99, 0.91, 0.14],
  ],
  cyan: [
    [0, 0.0, 0.2, 0.35],
    [255, 0.3, 1.0, 1.0],
  ],
} as const satisfies Record<string, ReadonlyArray<readonly [number, number, number, number]>>
export type Colormap = keyof typeof COLORMAPS
export const COLORMAP_NAMES = Object.keys(COLORMAPS) as Colormap[]

/** Opacity by probability: nothing below 0.2, most of the colour near 1 (the layer's opacity scales it). */
export const PROBABILITY_OPACITY: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [51, 0],
  [128, 0.45],
  [255, 0.8],
]

function piecewise(points: ReadonlyArray<readonly number[]>, v: number, component: number): number {
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!
    const b = points[i]!
    if (v <= b[0]!) return a[component]! + ((v - a[0]!) / (b[0]! - a[0]!)) * (b[component]! - a[component]!)
  }
  return points.at(-1)![component]!
}

/** Packs a colour as the little-endian RGBA word an ImageData's Uint32 view holds. */
function rgba(r: number, g: number, b: number, a: number): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0
}

/** The map's colour table under `colormap`: colour and opacity by display value. */
export function mapTable(colormap: Colormap): Uint32Array {
  const points = COLORMAPS[colormap]
  const table = new Uint32Array(256)
  for (let v = 0; v < 256; v++) {
    const [r, g, b] = [1, 2, 3].map((c) => Math.round(piecewise(points, v, c) * 255)) as [
      number,
      number,
      number,
    ]
    table[v] = rgba(r, g, b, Math.round(piecewise(PROBABILITY_OPACITY, v, 1) * 255))
  }
  return table
}

/** A label code's colour, fixed and distinct: its hue from a hash of the code (golden-ratio steps), full saturation. */
export function labelColour(code: number): [number, number, number] {
  const hue = ((code * 0.618033988749895) % 1) * 6
  const i = Math.floor(hue)
  const f = hue - i
  // HSV with s = 1, v = 1.
  const rgb = [
    [1, f, 0],
    [1 - f, 1, 0],
    [0, 1, f],
    [0, 1 - f, 1],
    [f, 0, 1],
    [1, 0, 1 - f],
  ][i % 6]!
  return rgb.map((c) => Math.round(c * 255)) as [number, number, number]
}

/** Label codes as opaque colours, 0 clear: the layer's opacity is applied when it is drawn. */
export function labelTable(): Uint32Array {
  const table = new Uint32Array(256)
  for (let v = 1; v < 256; v++) table[v] = rgba(...labelColour(v), 255)
  return table
}

/** One channel of `over` drawn at `opacity` on `under` (both 0..255), as the canvas composites it. */
export function blend(over: number, under: number, opacity: number): number {
  return over * opacity + under * (1 - opacity)
}
