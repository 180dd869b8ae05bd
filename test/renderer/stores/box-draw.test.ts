/**
 * The box-drawing store with the viewer store and a stand-in host: beginning opens the viewer on the
 * card's raw volume (not the remembered one) with the focus in the box and frames the box once the views
 * have a size; a box is kept whole and inside the volume; Use this box hands the form back with the box
 * in its fields, Cancel or leaving the viewer hands it back as it was, and only to the same project.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import type {
  ActiveEmBridge,
  ApiMethod,
  ApiParams,
  VolumeCrop,
  VolumeRecord,
} from '../../../src-shared/contract.ts'

type Vec3 = [number, number, number]
type Box = [number, number, number, number, number, number]

/** Imported by paths the node type check does not follow: the stores are typed against the DOM lib. */
const VIEWER_STORE: string = '../../../src-renderer/src/stores/viewer.ts'
const PROJECT_STORE: string = '../../../src-renderer/src/stores/project.ts'
const BOX_STORE: string = '../../../src-renderer/src/stores/box-draw.ts'

interface ViewerStore {
  volumeSpec: string | null
  focus: Vec3
  centre: Vec3
  zoom: number | null
  start(dir: string): Promise<{ focus: Vec3 | null } | null>
  openVolume(preferred: Vec3 | null): Promise<boolean>
  close(): void
  setSize(plane: string, width: number, height: number): void
}
interface ProjectStore {
  summary: unknown
  screen: string
}
interface FormState {
  fields: Record<string, unknown>
  wholeVolume: boolean
  advanced: string
  touched: boolean
}
interface BoxDrawStore {
  box: Box | null
  active: boolean
  onShownVolume: boolean
  estimate: string | null
  begin(request: {
    dir: string
    raw: string
    shape: Vec3
    box: Box | null
    rate: { seconds: number; per: 'voxel' | 'iteration'; basis: string } | null
    form: FormState
  }): void
  setBox(box: Box): void
  accept(): void
  cancel(): void
  abandon(): void
  takeOutcome(dir: string | null): FormState | null
}

const SHAPE: Vec3 = [20, 100, 200]
const RAW = '/data/em.h5#raw'
const OTHER = '/data/em.h5#other'

function volume(id: number, source: string): VolumeRecord {
  return {
    id,
    name: source.split('#')[1]!,
    source,
    format: 'hdf5',
    shape: SHAPE,
    dtype: 'uint8',
    chunks: null,
    role: 'raw',
    voxelSizeNm: null,
    addedAt: '2026-01-01T00:00:00Z',
  }
}

const bridge: ActiveEmBridge = {
  async call<M extends ApiMethod>(method: M, params: ApiParams<M>) {
    const reply = (value: unknown) => value as never
    // The remembered view shows the other volume: a box drawing must not.
    if (method === 'ui.state.get') return reply({ viewer: { volume: OTHER, focus: [1, 1, 1] } })
    if (method === 'ui.state.set') return reply({})
    if (method === 'rois.list') return reply(null)
    if (method === 'volume.crop') {
      const p = params as ApiParams<'volume.crop'>
      return reply({
        spec: p.spec,
        shape: SHAPE,
        origin: [0, 0, 0],
        dims: [1, 1, 1],
        step: 1,
        low: 0,
        high: 255,
        voxelSizeNm: null,
        voxels: 'AA==',
      } satisfies VolumeCrop)
    }
    throw new Error(`unexpected ${method}`)
  },
}
Object.assign(globalThis, { window: { activeem: bridge, location: { search: '' } } })

let projects = 0
async function setUp() {
  setActivePinia(createPinia())
  const { useViewerStore } = (await import(VIEWER_STORE)) as { useViewerStore(): ViewerStore }
  const { useProjectStore } = (await import(PROJECT_STORE)) as { useProjectStore(): ProjectStore }
  const { useBoxDrawStore } = (await import(BOX_STORE)) as { useBoxDrawStore(): BoxDrawStore }
  const project = useProjectStore()
  const dir = `/projects/box-${++projects}`
  project.summary = {
    dir,
    name: 'demo',
    createdAt: '2026-01-01T00:00:00Z',
    schemaVersion: 1,
    volumes: [volume(1, OTHER), volume(2, RAW)],
    jobs: [],
  }
  return { viewer: useViewerStore(), project, boxDraw: useBoxDrawStore(), dir }
}

const FORM: FormState = {
  fields: { raw: RAW, model: 'mito', box: [4, 12, 20, 60, 50, 150] },
  wholeVolume: true,
  advanced: '--seed 3',
  touched: true,
}
const RATE = { seconds: 1e-5, per: 'voxel' as const, basis: 'measured' }

async function settle(): Promise<void> {
  await new Promise((r) => setImmediate(r))
  await nextTick()
}

test('box draw: begin opens the viewer on the raw volume, the focus in the box, and frames the box', async () => {
  const { viewer, project, boxDraw, dir } = await setUp()
  boxDraw.begin({ dir, raw: RAW, shape: SHAPE, box: [4, 12, 20, 60, 50, 150], rate: RATE, form: FORM })
  assert.equal(project.screen, 'viewer')
  assert.equal(boxDraw.active, true)
  const opened = await viewer.start(dir)
  assert.ok(opened)
  assert.equal(viewer.volumeSpec, RAW, 'the card raw volume, not the remembered one')
  assert.deepEqual(opened.focus, [7, 39, 99], 'the focus at the box middle')
  assert.equal(await viewer.openVolume(opened.focus), true)
  assert.deepEqual(viewer.focus, [7, 39, 99])
  assert.equal(boxDraw.onShownVolume, true)
  assert.equal(viewer.zoom, null, 'no framing before the views have a size')
  for (const plane of ['xy', 'xz', 'yz']) viewer.setSize(plane, 400, 300)
  await settle()
  // The tightest fit: 100 x voxels (of 0.6 of the view: 166.7) in 400 px -> 0.94 * 2.4; 8 z voxels in 300 px is looser.
  assert.ok(Math.abs(viewer.zoom! - (0.94 * 400 * 0.6) / 100) < 1e-9, `zoom ${viewer.zoom}`)
  assert.deepEqual(viewer.centre, [7.5, 39.5, 99.5], 'centred on the box middle')
  assert.equal(boxDraw.estimate, '0.03 M voxels, about 1 s (measured)')
  // Framed once: a later zoom is the user's.
  viewer.zoom = 5
  viewer.setSize('xy', 500, 300)
  await settle()
  assert.equal(viewer.zoom, 5)
})

test('box draw: Use this box hands the form back with the box, raw and not the whole volume', async () => {
  const { viewer, project, boxDraw, dir } = await setUp()
  boxDraw.begin({ dir, raw: RAW, shape: SHAPE, box: [4, 12, 20, 60, 50, 150], rate: RATE, form: FORM })
  boxDraw.setBox([-2, 30.4, 10, 20, 190, 260])
  assert.deepEqual(boxDraw.box, [0, 20, 10, 20, 190, 200], 'whole voxels inside the volume')
  boxDraw.accept()
  assert.equal(project.screen, 'project')
  assert.equal(boxDraw.active, false)
  assert.equal(boxDraw.takeOutcome('/projects/elsewhere'), null, 'another project takes nothing')
  assert.deepEqual(boxDraw.takeOutcome(dir), {
    fields: { raw: RAW, model: 'mito', box: [0, 20, 10, 20, 190, 200] },
    wholeVolume: false,
    advanced: '--seed 3',
    touched: true,
  })
  assert.equal(boxDraw.takeOutcome(dir), null, 'taken once')
  viewer.close()
})

test('box draw: Cancel, or leaving the viewer, hands the form back as it was', async () => {
  const { project, boxDraw, dir } = await setUp()
  boxDraw.begin({ dir, raw: RAW, shape: SHAPE, box: null, rate: null, form: FORM })
  assert.equal(boxDraw.box, null)
  assert.equal(boxDraw.estimate, null)
  boxDraw.setBox([1, 2, 3, 4, 5, 6])
  boxDraw.cancel()
  assert.equal(project.screen, 'project')
  assert.deepEqual(boxDraw.takeOutcome(dir), FORM)

  boxDraw.begin({ dir, raw: RAW, shape: SHAPE, box: [4, 12, 20, 60, 50, 150], rate: RATE, form: FORM })
  boxDraw.setBox([1, 2, 3, 4, 5, 6])
  project.screen = 'jobs'
  boxDraw.abandon()
  assert.equal(project.screen, 'jobs', 'abandoning stays where the user went')
  assert.equal(boxDraw.active, false)
  assert.deepEqual(boxDraw.takeOutcome(dir), FORM)
  boxDraw.accept()
  boxDraw.abandon()
  assert.equal(boxDraw.takeOutcome(dir), null, 'nothing is drawn: accept and abandon do nothing')
})
