/**
 * The mask-edit store with a stand-in host (window.activeem answering from memory as the host's
 * roi.mask routes do): the selected ROI's mask is placed at its box as the viewer shows it, a stroke
 * paints only inside that box and in one slice, the whole mask is saved on its end, an undo pressed while
 * the save is in flight goes after it, and a mask whose box is not the ROI's box here is refused.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createPinia, setActivePinia } from 'pinia'
import type {
  ActiveEmBridge,
  ApiMethod,
  ApiParams,
  RoiMaskInfo,
  RoiSetInfo,
  VolumeCrop,
  VolumeRecord,
} from '../../../src-shared/contract.ts'

type Vec3 = [number, number, number]

/** Imported by paths the node type check does not follow: the stores are typed against the DOM lib. */
const VIEWER_STORE: string = '../../../src-renderer/src/stores/viewer.ts'
const PROJECT_STORE: string = '../../../src-renderer/src/stores/project.ts'
const MASK_STORE: string = '../../../src-renderer/src/stores/mask-edit.ts'

interface ViewerStore {
  start(dir: string): Promise<{ focus: Vec3 | null } | null>
  openVolume(preferred: Vec3 | null): Promise<boolean>
  pick(roi: number | null): void
}
interface MaskEditStore {
  tool: 'brush' | 'eraser' | null
  radius: number
  mask: { roi: number; origin: Vec3; dims: Vec3; data: Uint8Array; version: number | null } | null
  problem: string | null
  pending: number
  toggle(tool: 'brush' | 'eraser'): void
  setRadius(r: number): void
  strokeStart(voxel: Vec3): boolean
  strokeTo(voxel: Vec3): void
  strokeEnd(): Promise<unknown>
  undo(): Promise<unknown>
}

const SHAPE: Vec3 = [20, 40, 40]
const RAW = '/data/em.zarr#raw'
/** The set's ROI 1 in its own voxels; the viewer shows it shifted by the set's offset. */
const SET_BOX: [number, number, number, number, number, number] = [2, 2, 2, 6, 6, 8]
const OFFSET: Vec3 = [1, 10, 20]
const SET: RoiSetInfo = {
  setId: 1,
  task: 'mito',
  raw: RAW,
  map: '/data/pred.zarr#mito',
  channels: [],
  volume: RAW,
  offset: OFFSET,
  rois: [
    {
      id: 1,
      box: [3, 12, 22, 7, 16, 28],
      centroid: [5, 14, 25],
      voxels: 96,
      meanP: 0.9,
      polarity: null,
    },
    { id: 2, box: [10, 30, 30, 14, 34, 34], centroid: [12, 32, 32], voxels: 64, meanP: 0.8, polarity: null },
  ],
}

function volume(): VolumeRecord {
  return {
    id: 1,
    name: 'raw',
    source: RAW,
    format: 'zarr',
    shape: SHAPE,
    dtype: 'uint8',
    chunks: null,
    role: 'raw',
    voxelSizeNm: [8, 8, 8],
    addedAt: '2026-01-01T00:00:00Z',
  }
}

function crop(params: ApiParams<'volume.crop'>): VolumeCrop {
  const dims = (params.size ?? [1, 1, 1]).map((n, a) => Math.min(n, SHAPE[a]!)) as Vec3
  return {
    spec: params.spec,
    shape: SHAPE,
    origin: [0, 0, 0],
    dims,
    step: 1,
    low: 0,
    high: 255,
    voxelSizeNm: [8, 8, 8],
    voxels: Buffer.alloc(dims[0] * dims[1] * dims[2], 7).toString('base64'),
  }
}

/** Versions in memory, as roi_masks keeps them: undo goes back to the parent. */
function fakeHost(boxes: Record<number, RoiMaskInfo['box']>) {
  const calls: string[] = []
  const versions: Array<{ roi: number; parent: number | null; mask: string }> = []
  const current = new Map<number, number | null>()
  const size = (b: RoiMaskInfo['box']) => (b[3] - b[0]) * (b[4] - b[1]) * (b[5] - b[2])
  const info = (roi: number): RoiMaskInfo => {
    const at = current.get(roi) ?? null
    const box = boxes[roi]!
    return {
      roi,
      box,
      mask: at === null ? Buffer.alloc(size(box)).toString('base64') : versions[at - 1]!.mask,
      version: at,
      versions: versions.filter((v) => v.roi === roi).length,
      canUndo: at !== null,
      canRedo: false,
    }
  }
  let release: (() => void) | null = null
  const bridge: ActiveEmBridge = {
    async call<M extends ApiMethod>(method: M, params: ApiParams<M>) {
      const reply = (value: unknown) => value as never
      if (method === 'ui.state.get') return reply({})
      if (method === 'ui.state.set') return reply({})
      if (method === 'rois.list') return reply(SET)
      if (method === 'volume.crop') return reply(crop(params as ApiParams<'volume.crop'>))
      if (method === 'roi.mask') {
        calls.push(`mask ${(params as ApiParams<'roi.mask'>).roi}`)
        return reply(info((params as ApiParams<'roi.mask'>).roi))
      }
      if (method === 'roi.mask.edit') {
        const p = params as ApiParams<'roi.mask.edit'>
        calls.push(`${p.action} ${p.roi} by ${p.annotator}`)
        if (p.action === 'save') {
          // The save is held until the test lets it go: an undo pressed meanwhile must wait for it.
          await new Promise<void>((resolve) => (release = resolve))
          versions.push({ roi: p.roi, parent: current.get(p.roi) ?? null, mask: p.mask! })
          current.set(p.roi, versions.length)
        } else if (p.action === 'undo') current.set(p.roi, versions[current.get(p.roi)! - 1]!.parent)
        return reply(info(p.roi))
      }
      throw new Error(`unexpected ${method}`)
    },
  }
  return { bridge, calls, versions, release: () => release?.() }
}

let host = fakeHost({})
const items = new Map<string, string>([['activeem.annotator', 'ann']])
Object.assign(globalThis, {
  window: {
    activeem: { call: (method, params) => host.bridge.call(method, params) } satisfies ActiveEmBridge,
    location: { search: '' },
  },
  localStorage: {
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
  },
})

async function setUp(boxes: Record<number, RoiMaskInfo['box']>) {
  host = fakeHost(boxes)
  setActivePinia(createPinia())
  const { useViewerStore } = (await import(VIEWER_STORE)) as { useViewerStore(): ViewerStore }
  const { useProjectStore } = (await import(PROJECT_STORE)) as { useProjectStore(): { summary: unknown } }
  const { useMaskEditStore } = (await import(MASK_STORE)) as { useMaskEditStore(): MaskEditStore }
  const dir = `/projects/masks-${Math.random()}`
  useProjectStore().summary = {
    dir,
    name: 'demo',
    createdAt: '2026-01-01T00:00:00Z',
    schemaVersion: 1,
    volumes: [volume()],
    jobs: [],
  }
  const viewer = useViewerStore()
  const opened = await viewer.start(dir)
  assert.ok(opened)
  assert.equal(await viewer.openVolume(opened.focus), true)
  viewer.pick(1)
  return { viewer, edit: useMaskEditStore() }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

/** Until every request the store made has answered. */
async function idle(edit: MaskEditStore): Promise<void> {
  await settle()
  while (edit.pending > 0) await settle()
}

test('mask-edit store: a stroke paints inside the box in one slice, is saved whole, and an undo waits for it', async () => {
  const { edit } = await setUp({ 1: SET_BOX })
  edit.toggle('brush')
  await idle(edit)
  assert.ok(edit.mask)
  assert.deepEqual(edit.mask.origin, [3, 12, 22], 'the set box shifted by its offset, as the viewer draws it')
  assert.deepEqual(edit.mask.dims, [4, 4, 6])
  edit.setRadius(1)
  // Slice z 4 of the volume is z 1 of the box; the stroke runs past the box's right edge.
  assert.equal(edit.strokeStart([4, 13, 23]), true)
  edit.strokeTo([4, 13, 40])
  const saving = edit.strokeEnd()
  const undoing = edit.undo()
  await settle()
  assert.deepEqual(host.calls, ['mask 1', 'save 1 by ann'], 'the undo waits for the save')
  host.release()
  await saving
  await undoing
  assert.deepEqual(host.calls, ['mask 1', 'save 1 by ann', 'undo 1 by ann'])
  const saved = Buffer.from(host.versions[0]!.mask, 'base64')
  const painted: string[] = []
  saved.forEach((v, i) => {
    if (v) painted.push(`${Math.floor(i / 24)},${Math.floor(i / 6) % 4},${i % 6}`)
  })
  // Box-local y 1 +- 1 and x from 1 to the box's last column, in slice 1 alone.
  const want: string[] = []
  for (let y = 0; y < 3; y++)
    for (let x = 0; x < 6; x++) if (y === 1 ? x >= 0 : x >= 1) want.push(`1,${y},${x}`)
  assert.deepEqual(painted, want)
  assert.equal(edit.mask.version, null, 'after the undo, the proposal mask again')
  assert.ok(edit.mask.data.every((v) => v === 0))
  // A stroke in a slice off the box paints nothing and starts nothing.
  assert.equal(edit.strokeStart([9, 13, 23]), false)
})

test('mask-edit store: a mask whose box is not the ROI box here is refused with the reason', async () => {
  const { edit } = await setUp({ 1: [2, 2, 2, 6, 6, 7] })
  edit.toggle('eraser')
  await idle(edit)
  assert.equal(edit.mask, null)
  assert.match(edit.problem ?? '', /ROI 1: its mask's box 4x4x5 is not its box here \(4x4x6\)/)
  assert.equal(edit.strokeStart([4, 13, 23]), false)
})
