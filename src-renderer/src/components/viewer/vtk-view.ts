/**
 * What the slice views and the 3D view share around their vtk.js scene: it starts on mount (a WebGL
 * failure becomes the view's error), follows the element's size, draws at most once per animation frame,
 * counts the frames drawn with data and is disposed on unmount.
 */
import { computed, onBeforeUnmount, onMounted, ref, type Ref } from 'vue'
import { messageOf } from '../../lib/errors.ts'
import { createScene, type Scene } from './vtk-scene.ts'

/** 'loading' until a frame with data is drawn; 'error' once the data or the rendering failed. */
export type ViewState = 'loading' | 'ready' | 'error'

export interface VtkViewOptions {
  /** The element whose size the scene follows. */
  root: Ref<HTMLElement | null>
  /** The element vtk.js puts its canvas in. */
  glHost: Ref<HTMLElement | null>
  /** The view's name at the start of its error messages ('xy view', '3D view'). */
  name: () => string
  interactive: boolean
  /** The error the view's data came with, shown before a render failure. */
  error: () => string | null
  hasData: () => boolean
  /** Adds the view's actors to a new scene. */
  populate(scene: Scene): void
  /** Draws one frame; false when there is nothing to draw it on yet. */
  draw(scene: Scene): boolean
  /** Called with the element's new size, after the scene took it. */
  resized?(width: number, height: number): void
}

export function useVtkView(options: VtkViewOptions) {
  const rendered = ref(false)
  /** Frames drawn with data: tests wait for the next one after a change instead of sleeping. */
  const frames = ref(0)
  const renderFailure = ref<string | null>(null)
  const state = computed<ViewState>(() =>
    options.error() || renderFailure.value
      ? 'error'
      : rendered.value && options.hasData()
        ? 'ready'
        : 'loading',
  )

  let scene: Scene | null = null
  let frameRequest = 0
  function scheduleRender(): void {
    if (frameRequest) return
    frameRequest = requestAnimationFrame(() => {
      frameRequest = 0
      draw()
    })
  }

  function draw(): void {
    if (!scene) return
    try {
      if (!options.draw(scene)) return
      if (options.hasData()) {
        rendered.value = true
        frames.value++
      }
    } catch (e) {
      renderFailure.value = `${options.name()}: ${messageOf(e)}`
    }
  }

  let observer: ResizeObserver | null = null
  onMounted(() => {
    try {
      scene = createScene(options.glHost.value!, { interactive: options.interactive })
      options.populate(scene)
    } catch (e) {
      renderFailure.value = `${options.name()}: cannot start WebGL (${messageOf(e)})`
      return
    }
    observer = new ResizeObserver(([entry]) => {
      if (!entry) return
      const width = Math.round(entry.contentRect.width)
      const height = Math.round(entry.contentRect.height)
      scene?.resize(width, height)
      options.resized?.(width, height)
      scheduleRender()
    })
    observer.observe(options.root.value!)
  })

  onBeforeUnmount(() => {
    observer?.disconnect()
    if (frameRequest) cancelAnimationFrame(frameRequest)
    scene?.dispose()
    scene = null
  })

  return { state, frames, renderFailure, scheduleRender, started: () => scene !== null }
}
