/** How the viewer's chrome looks: each plane's colour and the ROI boxes (the overlays' colours: viewer/colours.ts). */
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

export const SELECTED_COLOUR = '#ff4fd8'
/** Saturated so the boxes read on bright EM as well as dark; each is drawn over a dark halo. */
export const ROI_COLOUR = '#22e3ff'
/** The predict box being drawn: lime, apart from the ROI boxes, the selection and the planes' colours. */
export const PREDICT_BOX_COLOUR = '#c6ff3d'
