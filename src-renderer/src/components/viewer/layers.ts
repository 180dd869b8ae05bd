/** How the viewer's layers look: each plane's colour, the ROI boxes and the probability overlay. */
import type { Plane } from '../../viewer/planes.ts'

/** Each plane has one colour: its view's badge, and its line wherever another view shows it. */
export const PLANE_COLOURS: Record<Plane, string> = {
  xy: '#6d8bff',
  xz: '#4fd68b',
  yz: '#f2c14e',
}

/** The two planes whose traces cross a view: horizontal line (the plane of its h and n axes)... */
export const CROSS_PLANES: Record<Plane, { horizontal: Plane; vertical: Plane }> = {
  xy: { horizontal: 'xz', vertical: 'yz' },
  xz: { horizontal: 'xy', vertical: 'yz' },
  yz: { horizontal: 'xz', vertical: 'xy' },
}

/** The probability overlay's colours: dark red through orange to yellow, 0..255. */
export const PROBABILITY_COLOURS: Array<[number, number, number, number]> = [
  [0, 0.55, 0.05, 0.0],
  [128, 1.0, 0.35, 0.0],
  [255, 1.0, 0.9, 0.25],
]
/** Opacity by probability: nothing below 0.2, most of the colour near 1. */
export const PROBABILITY_OPACITY: Array<[number, number]> = [
  [0, 0],
  [51, 0],
  [128, 0.45],
  [255, 0.8],
]

export const SELECTED_COLOUR = '#ff4fd8'
/** Saturated so the boxes read on bright EM as well as dark; each is drawn over a dark halo. */
export const ROI_COLOUR = '#22e3ff'
