/**
 * What the slice views and the 3D view share around their vtk.js scene: it starts on mount (a WebGL
 * failure becomes the view's error), follows the element's size, draws at most once per animation frame,
 * counts the frames drawn with data and is disposed on unmount. What a view shows are its
 * representations: renderless child components that put their vtk.js prop in the view's scene and keep
 * it up to date from the viewer store (`useRepresentation`); the view itself sets the camera.
 */
import type { vtkProp } from '@kitware/vtk.js/Rendering/Core/Prop'
import {
  computed,
  inject,
  onBeforeUnmount,
  onMounted,
  provide,
  ref,
  shallowRef,
  watch,
  watchEffect,
  type InjectionKey,
  type Ref,
  type ShallowRef,
} from 'vue'
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
  /** Draws one frame (the camera, then the render); false when there is nothing to draw it on yet. */
  draw(scene: Scene): boolean
  /** Called with the element's new size, after the scene took it. */
  resized?(width: number, height: number): void
}

/** What a view gives the representations inside it: its scene once started, and a render request. */
interface ViewContext {
  scene: ShallowRef<Scene | null>
  scheduleRender(): void
}

const VIEW: InjectionKey<ViewContext> = Symbol('vtk view')

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

  const scene = shallowRef<Scene | null>(null)
  let frameRequest = 0
  function scheduleRender(): void {
    if (frameRequest) return
    frameRequest = requestAnimationFrame(() => {
      frameRequest = 0
      draw()
    })
  }

  function draw(): void {
    if (!scene.value) return
    try {
      if (!options.draw(scene.value)) return
      if (options.hasData()) {
        rendered.value = true
        frames.value++
      }
    } catch (e) {
      renderFailure.value = `${options.name()}: ${messageOf(e)}`
    }
  }

  provide(VIEW, { scene, scheduleRender })

  let observer: ResizeObserver | null = null
  onMounted(() => {
    try {
      scene.value = createScene(options.glHost.value!, { interactive: options.interactive })
    } catch (e) {
      renderFailure.value = `${options.name()}: cannot start WebGL (${messageOf(e)})`
      return
    }
    observer = new ResizeObserver(([entry]) => {
      if (!entry) return
      const width = Math.round(entry.contentRect.width)
      const height = Math.round(entry.contentRect.height)
      scene.value?.resize(width, height)
      options.resized?.(width, height)
      scheduleRender()
    })
    observer.observe(options.root.value!)
  })

  onBeforeUnmount(() => {
    observer?.disconnect()
    if (frameRequest) cancelAnimationFrame(frameRequest)
    const disposed = scene.value
    // First, so the representations (unmounted after this) leave the disposed scene alone.
    scene.value = null
    disposed?.dispose()
  })

  return { state, frames, renderFailure, scheduleRender, scene, started: () => scene.value !== null }
}

/**
 * For a representation (a renderless component inside a view): `prop` is in the view's scene while
 * both live, in the order the representations stand in the view's template, and `update` sets it from
 * the stores now and again, followed by a redraw, whenever what it read changes.
 */
export function useRepresentation(prop: vtkProp, update: () => void): void {
  const view = inject(VIEW)
  if (!view) throw new Error('a vtk.js representation must be inside a view')
  watch(
    view.scene,
    (scene, _, onCleanup) => {
      if (!scene) return
      scene.renderer.addViewProp(prop)
      view.scheduleRender()
      onCleanup(() => {
        if (view.scene.value === scene) scene.renderer.removeViewProp(prop)
      })
    },
    { immediate: true },
  )
  watchEffect(() => {
    update()
    view.scheduleRender()
  })
}
