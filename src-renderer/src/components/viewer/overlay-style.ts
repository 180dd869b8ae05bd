/** vtk.js property set-up shared by the slice and 3D views: the probability lookup table. */
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction'
import vtkPiecewiseFunction from '@kitware/vtk.js/Common/DataModel/PiecewiseFunction'
import { COLORMAPS, PROBABILITY_OPACITY, type Colormap } from '../../viewer/colours.ts'

export type ColourFunction = ReturnType<typeof vtkColorTransferFunction.newInstance>
export type OpacityFunction = ReturnType<typeof vtkPiecewiseFunction.newInstance>

export function probabilityColours(colormap: Colormap = 'fire'): ColourFunction {
  const colours = vtkColorTransferFunction.newInstance()
  for (const [x, r, g, b] of COLORMAPS[colormap]) colours.addRGBPoint(x, r, g, b)
  return colours
}

/** `floor`: display value (0..255) below which the map is transparent (the 3D view hides its haze). */
export function probabilityOpacity(scale = 1, floor = 0): OpacityFunction {
  const opacity = vtkPiecewiseFunction.newInstance()
  for (const [x, a] of PROBABILITY_OPACITY) opacity.addPoint(x, x <= floor ? 0 : a * scale)
  if (floor > 0) opacity.addPoint(floor, 0)
  return opacity
}
