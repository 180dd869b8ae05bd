import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { RoiMaskInfo } from '../../../src-shared/contract.ts'
import { useTransport } from '../api/transport.ts'
import { fromBase64, paintLine, toBase64, type MaskGrid } from '../viewer/brush.ts'
import type { Vec3 } from '../viewer/geometry.ts'
import { useAnnotatorStore } from './annotator.ts'
import { useProjectStore } from './project.ts'
import { useViewerStore } from './viewer.ts'

export type MaskTool = 'brush' | 'eraser'

/** The selected ROI's mask as loaded: its box in the shown volume's voxels, and its version. */
export interface LoadedMask extends MaskGrid {
  roi: number
  /** z0, y0, x0 of the box in the shown volume's voxels (the set's box shifted as the viewer places it). */
  origin: Vec3
  version: number | null
  canUndo: boolean
  canRedo: boolean
}

export const MIN_RADIUS = 0
export const MAX_RADIUS = 30

/**
 * Correcting the selected ROI's mask on the xy view: a brush (1) and an eraser (0) in the focus's z
 * slice. A stroke changes the loaded mask at once; on its end the whole mask is saved as a new version
 * (roi.mask.edit), and undo/redo move between versions, the mask read back after each. Requests run one
 * after another, so an undo pressed while a stroke is saved acts on that stroke.
 */
export const useMaskEditStore = defineStore('mask-edit', () => {
  const viewer = useViewerStore()
  const project = useProjectStore()
  const annotator = useAnnotatorStore()

  const tool = ref<MaskTool | null>(null)
  const radius = ref(3)
  const mask = shallowRef<LoadedMask | null>(null)
  /** Counts changes to the mask's voxels: the overlay redraws on it. */
  const revision = ref(0)
  const pending = ref(0)
  /** Why the selected ROI's mask cannot be edited here, or null. */
  const problem = ref<string | null>(null)
  let queue: Promise<unknown> = Promise.resolve()
  let stroke: { z: number; last: [number, number]; changed: number } | null = null

  const editing = computed(() => tool.value !== null)

  // Another ROI selected (or the ROIs placed anew) while editing: its mask.
  watch(
    () => [viewer.selectedRoi, viewer.rois] as const,
    () => {
      stroke = null
      if (tool.value) void load()
      else mask.value = null
    },
  )

  function run<T>(task: () => Promise<T>): Promise<T | undefined> {
    pending.value++
    const next = queue.then(task).catch((err: unknown) => {
      project.reportError(`ROI mask: ${err instanceof Error ? err.message : String(err)}`)
      return undefined
    })
    queue = next.finally(() => pending.value--)
    return next
  }

  /** Takes the host's answer as the mask, placed where the viewer draws the selected ROI. */
  function take(info: RoiMaskInfo): void {
    const roi = viewer.rois.find((r) => r.id === info.roi)
    if (!roi || viewer.selectedRoi !== info.roi) return
    const dims: [number, number, number] = [
      info.box[3] - info.box[0],
      info.box[4] - info.box[1],
      info.box[5] - info.box[2],
    ]
    const shown = [roi.box[3] - roi.box[0], roi.box[4] - roi.box[1], roi.box[5] - roi.box[2]]
    if (shown.some((n, i) => n !== dims[i])) {
      problem.value = `ROI ${info.roi}: its mask's box ${dims.join('x')} is not its box here (${shown.join('x')})`
      mask.value = null
      return
    }
    problem.value = null
    mask.value = {
      roi: info.roi,
      dims,
      data: fromBase64(info.mask),
      origin: [roi.box[0], roi.box[1], roi.box[2]],
      version: info.version,
      canUndo: info.canUndo,
      canRedo: info.canRedo,
    }
    revision.value++
  }

  function target(): { dir: string; set: number; roi: number } | null {
    const set = viewer.set
    if (!viewer.dir || !set || viewer.selectedRoi === null) return null
    return { dir: viewer.dir, set: set.setId, roi: viewer.selectedRoi }
  }

  /** Reads the selected ROI's mask as it stands (none selected: none). */
  function load(): Promise<unknown> {
    const at = target()
    if (!at) {
      mask.value = null
      return Promise.resolve()
    }
    if (mask.value?.roi !== at.roi) mask.value = null
    return run(async () => take(await useTransport().call('roi.mask', at)))
  }

  /** B / E: picks the tool (again: leaves editing); loads the mask when editing starts. */
  function toggle(next: MaskTool): void {
    if (tool.value === next) {
      stop()
      return
    }
    const starting = tool.value === null
    tool.value = next
    if (starting || mask.value?.roi !== viewer.selectedRoi) void load()
  }

  function stop(): void {
    tool.value = null
    stroke = null
  }

  function setRadius(value: number): void {
    radius.value = Math.max(MIN_RADIUS, Math.min(MAX_RADIUS, Math.round(value)))
  }

  /** A voxel of the shown volume in the mask's box coordinates (y, x) and its slice, or null off it in z. */
  function local(voxel: Vec3): { z: number; yx: [number, number] } | null {
    const m = mask.value
    if (!m) return null
    const z = Math.round(voxel[0]) - m.origin[0]
    if (z < 0 || z >= m.dims[0]) return null
    return { z, yx: [voxel[1] - m.origin[1], voxel[2] - m.origin[2]] }
  }

  function paint(from: [number, number], to: [number, number], z: number): number {
    const m = mask.value!
    const changed = paintLine(m, z, from, to, radius.value, tool.value === 'eraser' ? 0 : 1)
    if (changed > 0) revision.value++
    return changed
  }

  /** Starts a stroke at a voxel of the shown volume; false where there is nothing to paint (no mask, other slice). */
  function strokeStart(voxel: Vec3): boolean {
    if (!tool.value || pending.value > 0 || mask.value?.roi !== viewer.selectedRoi) return false
    const at = local(voxel)
    if (!at) return false
    stroke = { z: at.z, last: at.yx, changed: paint(at.yx, at.yx, at.z) }
    return true
  }

  function strokeTo(voxel: Vec3): void {
    if (!stroke || !mask.value) return
    const m = mask.value
    const yx: [number, number] = [voxel[1] - m.origin[1], voxel[2] - m.origin[2]]
    stroke.changed += paint(stroke.last, yx, stroke.z)
    stroke.last = yx
  }

  /** Ends the stroke: a stroke that changed voxels is saved as the mask's new version. */
  function strokeEnd(): Promise<unknown> {
    const done = stroke
    stroke = null
    const at = target()
    const m = mask.value
    if (!done || done.changed === 0 || !at || !m || m.roi !== at.roi) return Promise.resolve()
    const body = toBase64(m.data)
    return run(async () =>
      take(
        await useTransport().call('roi.mask.edit', {
          ...at,
          annotator: annotator.effective(),
          action: 'save',
          mask: body,
        }),
      ),
    )
  }

  function step(action: 'undo' | 'redo'): Promise<unknown> {
    const at = target()
    if (!tool.value || !at || stroke) return Promise.resolve()
    return run(async () => {
      const m = mask.value
      if (m && m.roi === at.roi && !(action === 'undo' ? m.canUndo : m.canRedo)) return
      take(await useTransport().call('roi.mask.edit', { ...at, annotator: annotator.effective(), action }))
    })
  }

  return {
    tool,
    radius,
    mask,
    revision,
    pending,
    problem,
    editing,
    load,
    toggle,
    stop,
    setRadius,
    strokeStart,
    strokeTo,
    strokeEnd,
    undo: () => step('undo'),
    redo: () => step('redo'),
  }
})
