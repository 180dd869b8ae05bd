/**
 * One vtk.js render window in a container element, WebGL2 only (the OpenGL profiles: no WebGPU code
 * is bundled). Slice views get no vtk interactor (the viewer handles their mouse itself and keeps
 * their cameras exact); the 3D view gets a trackball.
 */
import '@kitware/vtk.js/Rendering/OpenGL/RenderWindow'
import '@kitware/vtk.js/Rendering/OpenGL/Profiles/Volume'
import '@kitware/vtk.js/Rendering/OpenGL/Profiles/Geometry'
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData'
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray'
import vtkRenderWindow from '@kitware/vtk.js/Rendering/Core/RenderWindow'
import vtkRenderWindowInteractor from '@kitware/vtk.js/Rendering/Core/RenderWindowInteractor'
import vtkRenderer from '@kitware/vtk.js/Rendering/Core/Renderer'
import vtkInteractorStyleTrackballCamera from '@kitware/vtk.js/Interaction/Style/InteractorStyleTrackballCamera'
import type { Vec3 } from '../../viewer/geometry.ts'
import { worldOf } from '../../viewer/planes.ts'

export type Renderer = ReturnType<typeof vtkRenderer.newInstance>
export type ImageData = ReturnType<typeof vtkImageData.newInstance>

/** The views' backdrop: near black, so the data's own greys carry the contrast. */
export const BACKGROUND: [number, number, number] = [0.035, 0.043, 0.055]

export interface Scene {
  renderer: Renderer
  /** Resizes the drawing buffer to the container (CSS pixels times the device pixel ratio). */
  resize(width: number, height: number): void
  render(): void
  dispose(): void
}

export function createScene(container: HTMLElement, options: { interactive: boolean }): Scene {
  const renderWindow = vtkRenderWindow.newInstance()
  const renderer = vtkRenderer.newInstance({ background: BACKGROUND })
  renderWindow.addRenderer(renderer)
  const view = renderWindow.newAPISpecificView('WebGL')
  renderWindow.addView(view)
  view.setContainer(container)
  let interactor: ReturnType<typeof vtkRenderWindowInteractor.newInstance> | null = null
  if (options.interactive) {
    interactor = vtkRenderWindowInteractor.newInstance()
    interactor.setView(view)
    interactor.initialize()
    interactor.setInteractorStyle(vtkInteractorStyleTrackballCamera.newInstance())
    interactor.bindEvents(container)
  }
  return {
    renderer,
    resize(width, height) {
      const ratio = window.devicePixelRatio || 1
      view.setSize(Math.max(1, Math.floor(width * ratio)), Math.max(1, Math.floor(height * ratio)))
    },
    render() {
      renderWindow.render()
    },
    dispose() {
      const canvas = view.getCanvas() as HTMLCanvasElement | null
      interactor?.unbindEvents()
      interactor?.delete()
      renderWindow.delete()
      view.delete()
      // vtk.js does not give the context back; browsers cap live WebGL contexts, so lose it now.
      canvas?.getContext('webgl2')?.getExtension('WEBGL_lose_context')?.loseContext()
      canvas?.remove()
    },
  }
}

/**
 * A crop as vtk.js image data in display units: voxel centres at (index * step + origin) * aspect,
 * x fastest (vtk.js order), which is the C order (z, y, x) the host sends.
 */
export function cropImage(
  voxels: Uint8Array,
  dims: Vec3,
  origin: Vec3,
  step: Vec3,
  aspect: Vec3,
  components = 1,
): ImageData {
  const image = vtkImageData.newInstance()
  image.setDimensions(dims[2], dims[1], dims[0])
  image.setOrigin(worldOf(origin, aspect))
  image.setSpacing(worldOf(step, aspect))
  image
    .getPointData()
    .setScalars(vtkDataArray.newInstance({ name: 'voxels', numberOfComponents: components, values: voxels }))
  return image
}
