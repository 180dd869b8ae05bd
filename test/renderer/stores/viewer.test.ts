/**
 * The viewer store's logic with a stand-in host (window.activeem answering from fixed data): which
 * volume and focus it opens on, centring on a selection (now, or once the viewer opens), navigation
 * limits, what it remembers, and a probability map that does not fit the image.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createPinia, setActivePinia } from 'pinia'
import type {
  ActiveEmBridge,
  ApiMethod,
  ApiParams,
  RoiSetInfo,
  VolumeCrop,
  VolumeRecord,
} from '../../../src-shared/contract.ts'

type Vec3 = [number, number, number]

/** Imported by paths the node type check does not follow: the stores are typed against the DOM lib. */
const VIEWER_STORE: string = '../../../src-renderer/src/stores/viewer.ts'
const PROJECT_STORE: string = '../../../src-renderer/src/stores/project.ts'

/** The part of the viewer store this test drives. */
interface ViewerStore {
  selectedRoi: number | null
  rois: ReadonlyArray<{ id: number }>
  selected: { id: number } | null
  roisHidden: string | null
  volumeSpec: string | null
  overlaySpec: string | null
  showRois: boolean
  zoom: number | null
  focus: Vec3
  centre: Vec3
  shape: Vec3 | null
  start(dir: string): Promise<{ focus: Vec3 | null } | null>
  close(): void
  openVolume(preferred: Vec3 | null): Promise<boolean>
  readCrop(center: Vec3, isLatest: () => boolean): Promise<{ prob: Uint8Array | null } | null>
  select(roi: number | null): void
  pick(roi: number | null): void
  stepRoi(delta: number): void
  moveSlice(plane: 'xy' | 'xz' | 'yz', delta: number): void
  setView(centre: Vec3, scale: number): void
  fit(): void
}

/** A project folder per test: the renderer keeps each project's remembered views for the page's life. */
let projects = 0
const SHAPE: Vec3 = [20, 40, 40]
const RAW = '/data/em.zarr#raw'
const OTHER = '/data/em.zarr#other'
const MAP = '/data/pred.zarr#union'

const SET: RoiSetInfo = {
  setId: 1,
  task: 'synapse',
  raw: RAW,
  map: MAP,
  channels: [{ name: 'union', spec: MAP }],
  volume: RAW,
  offset: [0, 0, 0],
  rois: [
    { id: 1, box: [2, 2, 2, 6, 6, 6], centroid: [3.6, 3.4, 4.5], voxels: 64, meanP: 0.9, polarity: null },
    { id: 2, box: [10, 30, 30, 14, 34, 34], centroid: [12, 32, 32], voxels: 64, meanP: 0.8, polarity: null },
    {
      id: 3,
      box: [16, 36, 36, 20, 40, 40],
      centroid: [19.4, 39.6, 39.6],
      voxels: 64,
      meanP: 0.7,
      polarity: null,
    },
  ],
}

function volume(id: number, source: string, role: VolumeRecord['role']): VolumeRecord {
  return {
    id,
    name: source.split('#')[1]!,
    source,
    format: 'zarr',
    shape: SHAPE,
    dtype: 'uint8',
    chunks: null,
    role,
    voxelSizeNm: [8, 8, 8],
    addedAt: '2026-01-01T00:00:00Z',
  }
}

/** A crop of `spec` (shape `shape`) around `center`, every voxel 7. */
function crop(spec: string, shape: Vec3, params: ApiParams<'volume.crop'>): VolumeCrop {
  const dims = (params.size ?? [1, 1, 1]).map((n, a) => Math.min(n, shape[a]!)) as Vec3
  return {
    spec,
    shape,
    origin: [0, 0, 0],
    dims,
    step: 1,
    low: 0,
    high: 255,
    voxelSizeNm: [8, 8, 8],
    voxels: Buffer.alloc(dims[0] * dims[1] * dims[2], 7).toString('base64'),
  }
}

function fakeHost(remembered: unknown, mapShape: Vec3 = SHAPE) {
  const saved: Array<{ key: string; value: unknown }> = []
  const bridge: ActiveEmBridge = {
    async call<M extends ApiMethod>(method: M, params: ApiParams<M>) {
      const reply = (value: unknown) => value as never
      if (method === 'ui.state.get') return reply({ viewer: remembered })
      if (method === 'ui.state.set') {
        const { key, value } = params as ApiParams<'ui.state.set'>
        saved.push({ key, value })
        return reply({})
      }
      if (method === 'rois.list') {
        // As the host answers: the set's boxes on its own raw volume, refused on any other.
        const { volume } = params as ApiParams<'rois.list'>
        if (volume !== undefined && volume !== RAW)
          throw new Error(`ROIs of set 1 belong to ${RAW}; not shown on ${volume}`)
        return reply(SET)
      }
      if (method === 'volume.crop') {
        const p = params as ApiParams<'volume.crop'>
        return reply(crop(p.spec, p.spec === MAP ? mapShape : SHAPE, p))
      }
      throw new Error(`unexpected ${method}`)
    },
  }
  return { bridge, saved }
}

/** The page makes its transport once: one bridge for every test, answering as the current test's host. */
let host = fakeHost(undefined)
Object.assign(globalThis, {
  window: {
    activeem: { call: (method, params) => host.bridge.call(method, params) } satisfies ActiveEmBridge,
    location: { search: '' },
  },
})

async function setUp(remembered: unknown = undefined, mapShape?: Vec3) {
  host = fakeHost(remembered, mapShape)
  setActivePinia(createPinia())
  const { useViewerStore } = (await import(VIEWER_STORE)) as { useViewerStore(): ViewerStore }
  const { useProjectStore } = (await import(PROJECT_STORE)) as {
    useProjectStore(): { summary: unknown; errors: string[] }
  }
  const project = useProjectStore()
  const dir = `/projects/demo-${++projects}`
  project.summary = {
    dir,
    name: 'demo',
    createdAt: '2026-01-01T00:00:00Z',
    schemaVersion: 1,
    volumes: [volume(1, RAW, 'raw'), volume(2, OTHER, 'raw'), volume(3, MAP, 'prediction')],
    jobs: [],
  }
  const viewer = useViewerStore()
  /** start + openVolume, as the viewer does when it mounts. */
  const open = async (): Promise<void> => {
    const opened = await viewer.start(dir)
    assert.ok(opened)
    assert.equal(await viewer.openVolume(opened.focus), true)
  }
  return { viewer, project, saved: host.saved, open }
}

test('viewer store: opens on the remembered view while it still fits the project', async () => {
  const { viewer, open } = await setUp({
    focus: [5, 6, 7],
    volume: OTHER,
    overlay: '/gone.zarr#union',
    showProbability: true,
    showRois: false,
    window: 200,
    level: 100,
    zoom: 3,
  })
  await open()
  assert.equal(viewer.volumeSpec, OTHER, 'the remembered image, still in the project')
  assert.equal(viewer.overlaySpec, MAP, 'a map no longer listed falls back to the set union channel')
  assert.equal(viewer.showRois, false)
  assert.equal(viewer.zoom, 3)
  assert.deepEqual(viewer.shape, SHAPE)
  assert.deepEqual(viewer.focus, [5, 6, 7])
  assert.deepEqual(viewer.centre, [5, 6, 7])
})

test('viewer store: on another volume the ROIs are hidden with the reason, and come back on theirs', async () => {
  const { viewer, open, project } = await setUp({ ...rememberedDefaults(), volume: OTHER })
  viewer.select(2)
  await open()
  assert.equal(viewer.volumeSpec, OTHER)
  assert.equal(viewer.rois.length, 0, 'no boxes on a volume they do not belong to')
  assert.equal(viewer.selected, null, 'nor the selection')
  assert.deepEqual(viewer.focus, [10, 20, 20], 'the waiting selection is not centred on another volume')
  assert.equal(viewer.roisHidden, `ROIs of set 1 belong to ${RAW}; not shown on ${OTHER}`)
  assert.deepEqual(project.errors, [], 'a reason on the viewer, not an error')
  viewer.volumeSpec = RAW
  assert.equal(await viewer.openVolume(null), true)
  assert.equal(viewer.roisHidden, null)
  assert.deepEqual(
    viewer.rois.map((r) => r.id),
    [1, 2, 3],
  )
  assert.deepEqual(viewer.focus, [12, 32, 32], 'the selection waited for its own volume')
})

test('viewer store: with nothing remembered, the set raw volume at its middle', async () => {
  const { viewer, open } = await setUp()
  await open()
  assert.equal(viewer.volumeSpec, RAW)
  assert.deepEqual(viewer.focus, [10, 20, 20])
})

test('viewer store: a selection made while the viewer is closed is centred on once it opens', async () => {
  const { viewer, open } = await setUp({ ...rememberedDefaults(), focus: [1, 1, 1] })
  viewer.select(2)
  await open()
  assert.deepEqual(viewer.focus, [12, 32, 32], 'the waiting selection wins over the remembered focus')
  viewer.close()
  viewer.select(3)
  assert.deepEqual(viewer.focus, [12, 32, 32], 'closed: the views do not move')
  await open()
  assert.deepEqual(viewer.focus, [19, 39, 39], 'the centroid rounded, clamped to the volume')
})

test('viewer store: an ROI selected while its volume opens is centred on, not the focus carried over', async () => {
  const { viewer, open } = await setUp({ ...rememberedDefaults(), volume: OTHER })
  await open()
  viewer.volumeSpec = RAW
  // As the toolbar does: the new volume opens at the focus the last one had.
  const opening = viewer.openVolume([1, 1, 1])
  // The moment its ROIs are placed, the shape still the last volume's, "Next ROI" is pressed.
  for (let ticks = 0; viewer.rois.length === 0; ticks++) {
    assert.ok(ticks < 1000, 'the ROIs are placed')
    await Promise.resolve()
  }
  viewer.select(2)
  assert.equal(await opening, true)
  assert.deepEqual(viewer.focus, [12, 32, 32], 'the selection wins over the carried focus')
  assert.deepEqual(viewer.centre, [12, 32, 32])
})

test('viewer store: select centres every view, pick does not, stepping wraps round', async () => {
  const { viewer, open } = await setUp()
  await open()
  viewer.setView([1, 1, 1], 2)
  viewer.select(1)
  assert.deepEqual(viewer.focus, [4, 3, 5])
  assert.deepEqual(viewer.centre, [4, 3, 5])
  viewer.pick(2)
  assert.equal(viewer.selectedRoi, 2)
  assert.deepEqual(viewer.focus, [4, 3, 5], 'a pick selects without moving the views')
  viewer.stepRoi(1)
  assert.equal(viewer.selectedRoi, 3)
  viewer.stepRoi(1)
  assert.equal(viewer.selectedRoi, 1, 'after the last ROI comes the first')
  viewer.stepRoi(-1)
  assert.equal(viewer.selectedRoi, 3)
})

test('viewer store: slices stay in the volume, zoom within its limits, fit goes back to the focus', async () => {
  const { viewer, open } = await setUp()
  await open()
  viewer.moveSlice('xy', -100)
  assert.deepEqual(viewer.focus, [0, 20, 20])
  viewer.moveSlice('yz', 100)
  assert.deepEqual(viewer.focus, [0, 20, 39])
  viewer.setView([3, 3, 3], 1000)
  assert.equal(viewer.zoom, 64)
  viewer.setView([3, 3, 3], 0)
  assert.equal(viewer.zoom, 0.05)
  viewer.fit()
  assert.equal(viewer.zoom, null)
  assert.deepEqual(viewer.centre, [0, 20, 39])
})

test('viewer store: what it shows is remembered for the project', async () => {
  const { viewer, saved, open } = await setUp()
  await open()
  viewer.moveSlice('xy', 3)
  viewer.showRois = false
  await new Promise((resolve) => setTimeout(resolve, 700))
  const last = saved.filter((s) => s.key === 'viewer').at(-1)
  assert.deepEqual(last?.value, {
    ...rememberedDefaults(),
    focus: [13, 20, 20],
    volume: RAW,
    overlay: MAP,
    showRois: false,
  })
})

test('viewer store: a map that does not fit the image is reported and left out; a stale crop is dropped', async () => {
  const { viewer, project, open } = await setUp(undefined, [20, 40, 41])
  await open()
  const read = await viewer.readCrop([10, 20, 20], () => true)
  assert.ok(read)
  assert.equal(read.prob, null)
  assert.match(project.errors.join('\n'), /pred\.zarr#union is 20 × 40 × 41 but the image is 20 × 40 × 40/)
  assert.equal(await viewer.readCrop([10, 20, 20], () => false), null)
})

function rememberedDefaults() {
  return {
    focus: null,
    volume: null,
    overlay: null,
    showProbability: true,
    showRois: true,
    window: 255,
    level: 127.5,
    zoom: null,
  }
}
