import type vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData'
import { defineStore } from 'pinia'
import { computed, markRaw, reactive, ref, shallowRef, watch } from 'vue'
import type { RoiInfo, RoiSetInfo, VolumeCrop } from '../../../src-shared/contract.ts'
import { useTransport } from '../api/transport.ts'
import { loadUiState, saveUiState } from '../api/ui-state.ts'
import { decodeBase64 } from '../lib/base64.ts'
import { messageOf } from '../lib/errors.ts'
import { latestOnly } from '../lib/latest.ts'
import {
  aspectOf,
  clampVoxel,
  DEFAULT_CROP_SIZE,
  roiAt,
  type CropBox,
  type Vec3,
} from '../viewer/geometry.ts'
import { fitScale, PLANES, type Plane } from '../viewer/planes.ts'
import {
  labelOptions,
  overlayOptions,
  shortSpec,
  startingOverlay,
  startingVolume,
  volumeOptions,
} from '../viewer/sources.ts'
import { DEFAULT_VIEW_STATE, parseViewState, type ViewState } from '../viewer/view-state.ts'
import { decodeCrop, type CropVoxels } from '../viewer/voxels.ts'
import { clampWindowLevel, type WindowLevel } from '../viewer/window-level.ts'
import { useLayersStore } from './layers.ts'
import { useProjectStore } from './project.ts'
import { TileSource } from './tiles.ts'

export type ImageData = ReturnType<typeof vtkImageData.newInstance>

/** A whole pyramid level for the 3D view: display values, its shape, level-0 voxels per voxel. */
export interface Overview {
  raw: Uint8Array
  prob: Uint8Array | null
  dims: Vec3
  factor: Vec3
}

/** The 3D view's whole-volume level is the finest with at most this many voxels. */
const OVERVIEW_VOXELS = 1 << 21

/** What the slice views draw of the crop: vtk.js images of the image and of the map. */
export interface SliceLayers {
  /** Image voxels (0..255) of the crop. */
  raw: ImageData
  /** The probability map over the same box, or null when none is shown or it failed. */
  prob: ImageData | null
  crop: CropBox
  step: number
  dims: Vec3
}

/** What the 3D view draws of the crop. */
export interface VolumeLayers {
  /** Two components per voxel: image, probability (0 when there is no map). */
  image: ImageData
  crop: CropBox
}

export interface CropLayers {
  slices: SliceLayers
  volume3d: VolumeLayers
}

/**
 * The viewer's state, read by every view by plane: which volume and map it shows, the focus (the
 * crosshair), centre and zoom all views share, window/level and the layer toggles (remembered per
 * project), and the crop loaded around the focus.
 *
 * The selected ROI is shared with the query grid. `select` (the grid, or anyone outside the viewer)
 * also asks the viewer to centre every view on the ROI; `pick` (a click in the viewer) selects without
 * moving the views. The request is a counter so the viewer can tell, even when it opens later,
 * whether a selection it has not centred on yet is waiting.
 */
export const useViewerStore = defineStore('viewer', () => {
  const project = useProjectStore()
  const layerState = useLayersStore()

  const selectedRoi = ref<number | null>(null)
  const centreRequest = ref(0)
  const centredRequest = ref(0)

  /**
   * A volume (and a focus on it) that the viewer's next start shows instead of the remembered ones:
   * another screen sent the user here to work on it (the predict card's box drawing).
   */
  let asked: { spec: string; focus: Vec3 | null } | null = null
  /** Volumes being opened (their shape not yet read): a selection meanwhile waits for the focus they place. */
  let opening = 0

  /** The project whose view is shown and remembered; null while the viewer is closed. */
  const dir = ref<string | null>(null)
  /** Each start and close begins a session: a reply for an earlier one changes nothing. */
  const sessions = latestOnly()
  let saved: ViewState = { ...DEFAULT_VIEW_STATE }

  const set = shallowRef<RoiSetInfo | null>(null)
  /**
   * The set's ROIs in the shown volume's voxels (shifted by the box the set was computed from), as the
   * host places them; null while they are not shown there, `roisHidden` then saying why in one line.
   */
  const placed = shallowRef<RoiSetInfo | null>(null)
  const roisHidden = ref<string | null>(null)
  const rois = computed<readonly RoiInfo[]>(() => placed.value?.rois ?? [])
  /** Why the map is not overlaid on the shown volume (the host refused it, or reading it failed), or null. */
  const mapHidden = ref<string | null>(null)
  const volumeSpec = ref<string | null>(null)
  const overlaySpec = ref<string | null>(null)
  /** The map's and the boxes' visibility: theirs in the layers store. */
  const showProbability = computed({
    get: () => layerState.state.prob.visible,
    set: (v: boolean) => layerState.setVisible('prob', v),
  })
  const showRois = computed({
    get: () => layerState.state.rois.visible,
    set: (v: boolean) => layerState.setVisible('rois', v),
  })
  const labelsShown = computed(() => (layerState.state.labels.visible ? labelSpec.value : null))
  /** The label volume overlaid while the labels layer is on: the chosen one, else the project's first. */
  const labelSpec = computed(() => {
    const specs = options.value.labels.map((o) => o.spec)
    const chosen = layerState.state.labels.spec
    return chosen && specs.includes(chosen) ? chosen : (specs[0] ?? null)
  })
  /** Why the label overlay is not drawn on the shown volume (another shape, or unreadable), or null. */
  const labelsHidden = ref<string | null>(null)
  /**
   * The shown volume's one auto-contrast, in its own units (percentiles of a coarse read, computed once
   * per volume by the host): the values sent as 0 and 255, crops and tiles alike, so the contrast does
   * not change as the view moves; window/level are shown in these units.
   */
  const contrast = ref<[number, number] | null>(null)
  const windowLevel = ref<WindowLevel>({ window: saved.window, level: saved.level })
  /** The user's zoom; null: fit the crop. */
  const zoom = ref<number | null>(saved.zoom)

  const shape = ref<Vec3 | null>(null)
  const voxelSizeNm = ref<Vec3 | null>(null)
  const aspect = computed(() => aspectOf(voxelSizeNm.value))
  const focus = ref<Vec3>([0, 0, 0])
  const centre = ref<Vec3>([0, 0, 0])
  const hover = ref<Vec3 | null>(null)
  const sizes = reactive<Record<Plane, { width: number; height: number }>>({
    xy: { width: 0, height: 0 },
    xz: { width: 0, height: 0 },
    yz: { width: 0, height: 0 },
  })

  const voxels = shallowRef<CropVoxels | null>(null)
  const layers = shallowRef<CropLayers | null>(null)
  const slices = computed(() => layers.value?.slices ?? null)
  const volume3d = computed(() => layers.value?.volume3d ?? null)
  const loading = ref(false)
  /** Starts under way (a project switch may begin one before the last ends). */
  const starts = ref(0)
  /** The viewer is opening a project: the volume and map it shows are not chosen yet. */
  const starting = computed(() => starts.value > 0)
  const failure = ref<string | null>(null)

  /**
   * Tiles of the image and of the map at the level each view's zoom needs, for a volume larger than the
   * crop: the slice views then draw these (and zoom out to the whole slice) instead of the crop.
   */
  const rawTiles = shallowRef<TileSource | null>(null)
  const mapTiles = shallowRef<TileSource | null>(null)
  /** Tiles of the label volume overlaid: read as tiles at any size (the crop's views draw them over vtk.js). */
  const labelTiles = shallowRef<TileSource | null>(null)
  /** Counts tile arrivals: the views redraw on it. */
  const tileArrivals = ref(0)
  const tiled = computed(() => rawTiles.value !== null)
  const onTile = (): void => {
    tileArrivals.value++
    for (const source of [rawTiles.value, mapTiles.value, labelTiles.value])
      if (source?.failure) {
        project.reportError(source.failure)
        source.failure = null
      }
  }

  const options = computed(() => {
    const volumes = project.summary?.volumes ?? []
    return {
      volumes: volumeOptions(set.value, volumes),
      overlays: overlayOptions(set.value, volumes),
      labels: labelOptions(volumes),
    }
  })

  /** The 3D view reads every other voxel; along z only when z is not already coarser than x and y. */
  const stride = computed<Vec3>(() => [aspect.value[0] >= 2 ? 1 : 2, 2, 2])

  /** Shown zoom: the user's, or the one that fits the crop in every view. */
  const scale = computed(() => {
    if (zoom.value !== null) return zoom.value
    if (tiled.value && shape.value) return fitScale(shape.value, aspect.value, sizes)
    const v = voxels.value
    const extent: Vec3 = v ? (v.dims.map((n) => n * v.step) as Vec3) : (shape.value ?? [1, 1, 1])
    return fitScale(extent, aspect.value, sizes)
  })

  const selected = computed(() => rois.value.find((r) => r.id === selectedRoi.value) ?? null)

  watch(
    [focus, volumeSpec, overlaySpec, showProbability, showRois, windowLevel, zoom],
    () => {
      if (!dir.value) return
      saveUiState(dir.value, 'viewer', {
        focus: shape.value ? focus.value : saved.focus,
        volume: volumeSpec.value,
        overlay: overlaySpec.value,
        showProbability: showProbability.value,
        showRois: showRois.value,
        window: windowLevel.value.window,
        level: windowLevel.value.level,
        zoom: zoom.value,
      } satisfies ViewState)
    },
    { deep: true },
  )

  function fail(message: string): void {
    failure.value = message
    project.reportError(message)
  }

  function release(): void {
    voxels.value = null
    layers.value = null
    rawTiles.value?.close()
    mapTiles.value?.close()
    labelTiles.value?.close()
    rawTiles.value = mapTiles.value = labelTiles.value = null
    contrast.value = null
  }

  function exceedsCrop(extent: Vec3): boolean {
    return extent.some((n, a) => n > DEFAULT_CROP_SIZE[a]!)
  }

  /** The map's tiles while it is shown over a tiled image; a map of another shape is reported and left out. */
  async function openMapTiles(): Promise<void> {
    const spec = showProbability.value && rawTiles.value ? overlaySpec.value : null
    if (mapTiles.value?.spec === spec) return
    mapTiles.value?.close()
    mapTiles.value = null
    if (!spec) return
    const isOpen = sessions.current()
    const raw = rawTiles.value
    // The map is read in the shown volume's voxels: placed at the box it was predicted from, or refused.
    const image = volumeSpec.value!
    try {
      const info = await useTransport().call('volume.levels', {
        spec,
        over: image,
        ...(dir.value ? { dir: dir.value } : {}),
      })
      if (!isOpen() || raw !== rawTiles.value || spec !== overlaySpec.value || !showProbability.value) return
      if (info.shape.join() !== shape.value?.join()) {
        project.reportError(
          `probability map ${shortSpec(spec)} is ${info.shape.join(' × ')} but the image is ${shape.value?.join(' × ')}: not overlaid`,
        )
        return
      }
      // Another call may have opened one meanwhile.
      ;(mapTiles.value as TileSource | null)?.close()
      mapTiles.value = markRaw(
        new TileSource(info.spec, 'probability', info, onTile, 64 * 1024 * 1024, image),
      )
      mapHidden.value = null
    } catch (e) {
      if (isOpen() && raw === rawTiles.value) mapHidden.value = messageOf(e)
    }
  }

  watch([overlaySpec, showProbability, rawTiles], () => void openMapTiles())

  /**
   * The label volume's tiles while the labels layer is on and a volume is open: its own levels (a
   * pyramid of a labels volume is mode-reduced) or level 0 at strides, so labels stay labels zoomed out.
   * A label volume of another shape than the image is not overlaid, and one line says why.
   */
  async function openLabelTiles(): Promise<void> {
    const spec = shape.value ? labelsShown.value : null
    if (labelTiles.value?.spec === spec && spec !== null) return
    labelTiles.value?.close()
    labelTiles.value = null
    labelsHidden.value = null
    if (!spec) return
    const isOpen = sessions.current()
    const image = volumeSpec.value
    try {
      const info = await useTransport().call('volume.levels', {
        spec,
        ...(dir.value ? { dir: dir.value } : {}),
      })
      if (!isOpen() || image !== volumeSpec.value || spec !== labelsShown.value) return
      if (info.shape.join() !== shape.value?.join()) {
        labelsHidden.value = `labels ${shortSpec(spec)} are ${info.shape.join(' × ')} but the image is ${shape.value?.join(' × ')}: not overlaid`
        return
      }
      ;(labelTiles.value as TileSource | null)?.close()
      labelTiles.value = markRaw(new TileSource(info.spec, 'label', info, onTile, 64 * 1024 * 1024))
    } catch (e) {
      if (isOpen() && image === volumeSpec.value) labelsHidden.value = messageOf(e)
    }
  }

  watch([labelsShown, shape, volumeSpec], () => void openLabelTiles())

  /**
   * Opens the viewer on a project: its remembered view, its ROI set, the volume and map to show.
   * The focus to start from (null: the volume's middle), or null when there is nothing to show.
   */
  async function start(projectDir: string): Promise<{ focus: Vec3 | null } | null> {
    // A volume or map picked meanwhile would be replaced by the remembered one: the pickers wait.
    starts.value++
    try {
      return await startNow(projectDir)
    } finally {
      starts.value--
    }
  }

  async function startNow(projectDir: string): Promise<{ focus: Vec3 | null } | null> {
    const isOpen = sessions.next()
    // Nothing is saved until the remembered view is back: the defaults would overwrite it.
    dir.value = null
    release()
    set.value = placed.value = null
    roisHidden.value = mapHidden.value = labelsHidden.value = null
    volumeSpec.value = overlaySpec.value = null
    shape.value = voxelSizeNm.value = hover.value = null
    focus.value = [0, 0, 0]
    centre.value = [0, 0, 0]
    loading.value = false
    failure.value = null
    // Both at once: the first tiles wait on them.
    const listing = useTransport()
      .call('rois.list', { dir: projectDir })
      .catch((e: unknown) => new Error(messageOf(e)))
    const remembered = parseViewState(await loadUiState<unknown>(projectDir, 'viewer'))
    if (!isOpen()) return null
    saved = remembered
    await layerState.load(projectDir, { prob: saved.showProbability, rois: saved.showRois })
    if (!isOpen()) return null
    windowLevel.value = { window: saved.window, level: saved.level }
    zoom.value = saved.zoom
    dir.value = projectDir
    const found = await listing
    if (!isOpen()) return null
    if (found instanceof Error) project.reportError(`cannot list the ROIs of ${projectDir}: ${found.message}`)
    else set.value = found ? markRaw(found) : null
    const volumes = project.summary?.volumes ?? []
    volumeSpec.value = startingVolume(saved.volume, set.value, volumes)
    overlaySpec.value = startingOverlay(saved.overlay, set.value, volumes)
    const wanted = asked
    asked = null
    if (wanted && options.value.volumes.some((o) => o.spec === wanted.spec)) {
      volumeSpec.value = wanted.spec
      return { focus: wanted.focus }
    }
    if (!volumeSpec.value) {
      fail('this project has no volume to show: add one on the Project screen')
      return null
    }
    return { focus: saved.focus }
  }

  /** The next start shows `spec` (one of the project's volumes) with the focus at `focus` (null: its middle). */
  function showNext(spec: string, focus: Vec3 | null): void {
    asked = { spec, focus }
  }

  /** The viewer left the screen: its crop is let go, and selections wait for it to open again. */
  function close(): void {
    sessions.next()
    dir.value = null
    release()
    shape.value = null
    hover.value = null
    for (const plane of Object.keys(sizes) as Plane[]) sizes[plane] = { width: 0, height: 0 }
  }

  /**
   * The set's ROIs placed on the volume `spec`, or why they are not shown there: the host refuses the
   * boxes of a set on any volume other than the one it was computed from (or the array it is a box of).
   */
  async function placeRois(spec: string): Promise<[RoiSetInfo | null, string | null]> {
    const current = set.value
    if (!current || !dir.value) return [null, null]
    try {
      const found = await useTransport().call('rois.list', {
        dir: dir.value,
        set: current.setId,
        volume: spec,
      })
      return [found ? markRaw(found) : null, null]
    } catch (e) {
      return [null, messageOf(e)]
    }
  }

  /**
   * Reads the shown volume's shape and voxel size (a one-voxel crop) and puts the focus on the waiting
   * selection, at `preferred`, or in the middle. False when it failed or another volume was chosen meanwhile.
   */
  async function openVolume(preferred: Vec3 | null): Promise<boolean> {
    opening++
    try {
      return await openVolumeNow(preferred)
    } finally {
      opening--
    }
  }

  async function openVolumeNow(preferred: Vec3 | null): Promise<boolean> {
    const spec = volumeSpec.value
    if (!spec) return false
    const isOpen = sessions.current()
    release()
    loading.value = true
    let probe: VolumeCrop
    // Asked for at once (it is wanted for any volume larger than the crop): one round trip less.
    const levels = useTransport()
      .call('volume.levels', { spec, ...(dir.value ? { dir: dir.value } : {}) })
      .catch((e: unknown) => new Error(messageOf(e)))
    const placing = placeRois(spec)
    placed.value = null
    roisHidden.value = mapHidden.value = null
    try {
      probe = await useTransport().call('volume.crop', { spec, size: [1, 1, 1] })
      const [rois, hidden] = await placing
      if (!isOpen() || spec !== volumeSpec.value) return false
      placed.value = rois
      roisHidden.value = hidden
    } catch (e) {
      if (!isOpen()) return false
      loading.value = false
      fail(`cannot open ${shortSpec(spec)}: ${messageOf(e)}`)
      return false
    }
    if (!isOpen() || spec !== volumeSpec.value) return false
    const info = await levels
    if (!isOpen() || spec !== volumeSpec.value) return false
    // Without it (levels unreadable) each crop is shown through its own percentiles, as before.
    contrast.value = info instanceof Error ? null : [info.low, info.high]
    if (exceedsCrop(probe.shape as Vec3)) {
      if (info instanceof Error)
        project.reportError(`cannot read the levels of ${shortSpec(spec)} (showing a crop): ${info.message}`)
      else rawTiles.value = markRaw(new TileSource(info.spec, 'image', info, onTile))
    }
    shape.value = probe.shape as Vec3
    voxelSizeNm.value = probe.voxelSizeNm as Vec3 | null
    const pending = pendingSelection()
    const at = pending ? roundedCentroid(pending) : preferred
    focus.value = clampVoxel(at ?? (probe.shape.map((n) => Math.floor(n / 2)) as Vec3), shape.value)
    centre.value = [...focus.value]
    if (pending) centredRequest.value = centreRequest.value
    return true
  }

  /**
   * The crop around `center`: the image, and over the same box the map while it is shown. A map that
   * fails or does not fit the image is reported and left out. Null once `isLatest` says a later crop
   * was asked for, or the viewer closed: then nothing is reported.
   */
  async function readCrop(center: Vec3, isLatest: () => boolean): Promise<CropVoxels | null> {
    const spec = volumeSpec.value!
    const isOpen = sessions.current()
    const size = DEFAULT_CROP_SIZE
    const mapSpec = showProbability.value ? overlaySpec.value : null
    const transport = useTransport()
    const [raw, prob] = await Promise.all([
      transport.call('volume.crop', {
        spec,
        center,
        size,
        window: 'image',
        ...(contrast.value ? { range: contrast.value } : {}),
      }),
      mapSpec
        ? transport
            .call('volume.crop', { spec: mapSpec, over: spec, center, size, window: 'probability' })
            .catch((e: unknown) => new Error(messageOf(e)))
        : Promise.resolve(null),
    ])
    if (!isLatest() || !isOpen()) return null
    let map: VolumeCrop | null = null
    // A map refused over this image (or unreadable) is left out with its reason shown beside the views.
    mapHidden.value = prob instanceof Error ? prob.message : null
    if (prob instanceof Error || prob === null) map = null
    else if (prob.shape.join() !== raw.shape.join())
      project.reportError(
        `probability map ${shortSpec(prob.spec)} is ${prob.shape.join(' × ')} but the image is ${raw.shape.join(' × ')}: not overlaid`,
      )
    else map = prob
    return decodeCrop(raw, map)
  }

  /**
   * The whole volume at the finest pyramid level of at most OVERVIEW_VOXELS (the map's level of the same
   * factor over it while it is shown), for the 3D view of a volume too large for one crop; null when
   * the volume has no such level (no pyramid: the 3D view shows the crop) or a later read was asked for.
   */
  async function readOverview(isLatest: () => boolean): Promise<Overview | null> {
    const source = rawTiles.value
    if (!source) return null
    const isOpen = sessions.current()
    const fits = (l: { shape: Vec3; strided: boolean }) =>
      !l.strided &&
      l.shape[0] * l.shape[1] * l.shape[2] <= OVERVIEW_VOXELS &&
      l.shape[1] <= 4096 &&
      l.shape[2] <= 4096 &&
      l.shape[0] <= 1024
    const index = source.info.levels.findIndex((l) => fits(l as { shape: Vec3; strided: boolean }))
    if (index < 0) return null
    const level = source.info.levels[index]!
    const center = level.shape.map((n) => Math.floor(n / 2)) as Vec3
    const size = level.shape as Vec3
    const map = showProbability.value ? mapTiles.value : null
    const mapIndex = map
      ? map.info.levels.findIndex((l) => !l.strided && l.factor.join() === level.factor.join())
      : -1
    const transport = useTransport()
    const [raw, prob] = await Promise.all([
      transport.call('volume.crop', {
        spec: source.spec,
        level: index,
        center,
        size,
        window: 'image',
        ...(contrast.value ? { range: contrast.value } : {}),
      }),
      map && mapIndex >= 0
        ? transport
            .call('volume.crop', {
              spec: map.spec,
              level: mapIndex,
              center,
              size,
              window: 'probability',
              over: volumeSpec.value!,
            })
            .catch(() => null)
        : Promise.resolve(null),
    ])
    if (!isLatest() || !isOpen() || source !== rawTiles.value) return null
    return {
      raw: decodeBase64(raw.voxels),
      prob: prob && prob.dims.join() === raw.dims.join() ? decodeBase64(prob.voxels) : null,
      dims: raw.dims as Vec3,
      factor: level.factor as Vec3,
    }
  }

  /** The crop read last, as arrays and as the views' vtk.js images. */
  function showCrop(crop: CropVoxels, cropLayers: CropLayers): void {
    voxels.value = markRaw(crop)
    layers.value = markRaw(cropLayers)
    failure.value = null
  }

  function pendingSelection(): RoiInfo | null {
    if (centreRequest.value <= centredRequest.value || selectedRoi.value === null) return null
    return rois.value.find((r) => r.id === selectedRoi.value) ?? null
  }

  function roundedCentroid(roi: RoiInfo): Vec3 {
    return roi.centroid.map((v) => Math.round(v)) as Vec3
  }

  /** Selects an ROI and centres every view on it, now if a volume is open, else once one is. */
  function select(roi: number | null): void {
    selectedRoi.value = roi
    if (roi === null) return
    centreRequest.value++
    const pending = pendingSelection()
    // While a volume opens, the shape is the last one's, and the opening would then put the focus in the
    // middle over this one: it stays pending, and the opening centres on it.
    if (!pending || !shape.value || opening > 0) return
    centredRequest.value = centreRequest.value
    focus.value = clampVoxel(roundedCentroid(pending), shape.value)
    centre.value = [...focus.value]
  }

  function pick(roi: number | null): void {
    selectedRoi.value = roi
  }

  /** A click in a slice view: the focus moves there and the ROI there, if any, is selected. */
  function pickAt(voxel: Vec3): void {
    focus.value = voxel
    const roi = roiAt(voxel, rois.value, aspect.value)
    if (roi) pick(roi.id)
  }

  /** The previous or next ROI of the set (wrapping round), centred. */
  function stepRoi(delta: number): void {
    const list = rois.value
    if (list.length === 0) return
    const index = list.findIndex((r) => r.id === selectedRoi.value)
    const next = index < 0 ? (delta > 0 ? 0 : list.length - 1) : (index + delta + list.length) % list.length
    select(list[next]!.id)
  }

  /** Puts `plane`'s slice at `index` along its normal (clamped to the volume). */
  function setSlice(plane: Plane, index: number): void {
    if (!shape.value) return
    const next: Vec3 = [...focus.value]
    next[PLANES[plane].n] = index
    focus.value = clampVoxel(next, shape.value)
  }

  function moveSlice(plane: Plane, delta: number): void {
    setSlice(plane, focus.value[PLANES[plane].n] + delta)
  }

  /** A pan or zoom in any view: every view shows the same centre at the same zoom. */
  function setView(nextCentre: Vec3, nextScale: number): void {
    centre.value = nextCentre
    // Out far enough to see the whole volume at a quarter of the views, whatever its size.
    const whole = shape.value ? fitScale(shape.value, aspect.value, sizes) / 4 : 0.05
    zoom.value = Math.max(Math.min(0.05, whole), Math.min(64, nextScale))
  }

  /** Fits the crop in every view, centred on the focus; a tiled volume whole, centred on its middle. */
  function fit(): void {
    zoom.value = null
    centre.value =
      tiled.value && shape.value ? (shape.value.map((n) => (n - 1) / 2) as Vec3) : [...focus.value]
  }

  function setWindowLevel(value: WindowLevel): void {
    windowLevel.value = clampWindowLevel(value)
  }

  function setHover(voxel: Vec3 | null): void {
    hover.value = voxel
  }

  function setSize(plane: Plane, width: number, height: number): void {
    sizes[plane] = { width, height }
  }

  return {
    selectedRoi,
    centreRequest,
    centredRequest,
    dir,
    set,
    rois,
    roisHidden,
    mapHidden,
    selected,
    volumeSpec,
    overlaySpec,
    options,
    showProbability,
    showRois,
    windowLevel,
    zoom,
    shape,
    voxelSizeNm,
    aspect,
    focus,
    centre,
    hover,
    sizes,
    scale,
    stride,
    voxels,
    rawTiles,
    mapTiles,
    labelTiles,
    labelSpec,
    labelsHidden,
    contrast,
    tileArrivals,
    tiled,
    slices,
    volume3d,
    loading,
    starting,
    failure,
    fail,
    start,
    showNext,
    close,
    openVolume,
    readCrop,
    readOverview,
    showCrop,
    select,
    pick,
    pickAt,
    stepRoi,
    setSlice,
    moveSlice,
    setView,
    fit,
    setWindowLevel,
    setHover,
    setSize,
  }
})
