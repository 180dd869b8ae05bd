/**
 * Crop loading while the viewer is on screen: it opens the project's view, reads the crop around the
 * focus and makes it the views' vtk.js images, and reads a new crop once the focus nears the edge of
 * the one shown (never the whole volume). The reads themselves are the viewer store's.
 */
import { onBeforeUnmount, onMounted, watch } from 'vue'
import { messageOf } from '../../lib/errors.ts'
import { latestOnly } from '../../lib/latest.ts'
import { useProjectStore } from '../../stores/project.ts'
import { useViewerStore, type CropLayers, type Overview, type VolumeLayers } from '../../stores/viewer.ts'
import { clampVoxel, DEFAULT_CROP_SIZE, needsRecrop, recropMargin, type Vec3 } from '../../viewer/geometry.ts'
import { shortSpec } from '../../viewer/sources.ts'
import { interleave, subsample, type CropVoxels } from '../../viewer/voxels.ts'
import { cropImage } from './vtk-scene.ts'

/** Wheel scrolling moves the focus many times a second: a new crop is read once it rests this long. */
const RECROP_DELAY_MS = 150
/**
 * The overview waits for the slice views' first tiles (its read competes with theirs at the host, and
 * its 3D rendering holds the main thread for a second or more), but no longer than this.
 */
const OVERVIEW_WAIT_MS = 4000
/** Frames the views get after the tiles are read, to draw them before the overview takes the thread. */
const OVERVIEW_WAIT_FRAMES = 3

export function useCropLoader() {
  const project = useProjectStore()
  const viewer = useViewerStore()
  const crops = latestOnly()
  let recropTimer: ReturnType<typeof setTimeout> | undefined
  let overview: { key: string; layers: VolumeLayers } | null = null

  async function load(at: Vec3): Promise<void> {
    const spec = viewer.volumeSpec
    const shape = viewer.shape
    if (!spec || !shape) return
    const isLatest = crops.next()
    viewer.loading = true
    try {
      const crop = await viewer.readCrop(clampVoxel(at, shape), isLatest)
      if (!crop) return
      const layers = cropLayers(crop, viewer.aspect, viewer.stride)
      // A volume too large for one crop: the 3D view shows all of it at a coarse level, read once.
      if (viewer.tiled) {
        const key = `${viewer.rawTiles?.spec}|${viewer.showProbability ? viewer.mapTiles?.spec : ''}`
        if (overview?.key !== key) {
          await viewer.rawTiles?.settled(OVERVIEW_WAIT_MS)
          for (let i = 0; i < OVERVIEW_WAIT_FRAMES && isLatest(); i++)
            await new Promise((resolve) => requestAnimationFrame(resolve))
          if (!isLatest()) return
          const read = await viewer.readOverview(isLatest)
          if (!isLatest()) return
          overview = read ? { key, layers: overviewLayers(read, shape, viewer.aspect) } : null
        }
        if (overview) layers.volume3d = overview.layers
      } else overview = null
      viewer.showCrop(crop, layers)
    } catch (e) {
      if (isLatest()) viewer.fail(`cannot read a crop of ${shortSpec(spec)}: ${messageOf(e)}`)
    } finally {
      if (isLatest()) viewer.loading = false
    }
  }

  async function openVolume(preferred: Vec3 | null): Promise<void> {
    if (await viewer.openVolume(preferred)) await load(viewer.focus)
  }

  async function start(): Promise<void> {
    const dir = project.summary?.dir
    if (!dir) return
    const opened = await viewer.start(dir)
    if (opened) await openVolume(opened.focus)
  }

  watch(
    () => viewer.focus,
    (p) => {
      const shown = viewer.slices
      const shape = viewer.shape
      if (!viewer.voxels || !shape || !shown) return
      if (!needsRecrop(p, shown.crop, shape, recropMargin(DEFAULT_CROP_SIZE))) return
      clearTimeout(recropTimer)
      recropTimer = setTimeout(() => void load(viewer.focus), RECROP_DELAY_MS)
    },
  )

  onMounted(() => void start())
  onBeforeUnmount(() => {
    clearTimeout(recropTimer)
    crops.next()
    viewer.close()
  })

  return { load, openVolume }
}

/** The crop as the slice views' images (image and map) and the 3D view's subsampled two-component volume. */
function cropLayers(crop: CropVoxels, aspect: Vec3, stride: Vec3): CropLayers {
  const { raw, prob, origin, dims, step } = crop
  const steps: Vec3 = [step, step, step]
  const box = { origin, end: origin.map((o, i) => o + dims[i]! * step) as Vec3 }
  const small = subsample(raw, dims, stride)
  const smallProb = prob ? subsample(prob, dims, stride).voxels : new Uint8Array(small.voxels.length)
  return {
    slices: {
      raw: cropImage(raw, dims, origin, steps, aspect),
      prob: prob ? cropImage(prob, dims, origin, steps, aspect) : null,
      crop: box,
      step,
      dims,
    },
    volume3d: {
      image: cropImage(
        interleave(small.voxels, smallProb),
        small.dims,
        origin,
        stride.map((v) => v * step) as Vec3,
        aspect,
        2,
      ),
      crop: box,
    },
  }
}

/** A whole level as the 3D view's volume: level voxel j's centre lies at j*f + (f-1)/2 of level 0. */
function overviewLayers(o: Overview, shape: Vec3, aspect: Vec3): VolumeLayers {
  const origin = o.factor.map((f) => (f - 1) / 2) as Vec3
  const prob = o.prob ?? new Uint8Array(o.raw.length)
  return {
    image: cropImage(interleave(o.raw, prob), o.dims, origin, o.factor, aspect, 2),
    crop: { origin: [0, 0, 0], end: [...shape] },
  }
}
