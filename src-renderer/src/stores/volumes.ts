import { defineStore } from 'pinia'
import { ref } from 'vue'
import type {
  ApiResult,
  ArrayInfo,
  Multiscale,
  SliceImage,
  ProjectVolumeLevels,
  VolumeRecord,
  VolumeRole,
} from '../../../src-shared/contract.ts'
import { useTransport } from '../api/transport.ts'
import { messageOf } from '../lib/errors.ts'
import { coalesced } from '../lib/coalesce.ts'
import { latestOnly } from '../lib/latest.ts'
import { useLiveStore } from './live.ts'
import { useProjectStore } from './project.ts'

export type Listing = ApiResult<'volume.list'> & { path: string }

/** PATH#DATASET as the engine takes it; a stack or TIFF file is one volume named by its path alone. */
export function specOf(listing: Listing, array: ArrayInfo): string {
  return listing.format === 'stack' || listing.format === 'tiff'
    ? listing.path
    : `${listing.path}#${array.name}`
}

/** A role guessed from the dataset's name; the user confirms or changes it before adding. */
export function guessRole(name: string): VolumeRole {
  const n = name.toLowerCase()
  if (/(label|seg|gt|clefts?|mito|mask|ids)/.test(n)) return 'labels'
  if (/(pred|prob|affin)/.test(n)) return 'prediction'
  return 'raw'
}

const MIB = 1024 * 1024

/**
 * Whether to offer building multiscale levels for an array about to be imported. A slice more than
 * 2048 px on a side does not fit a screen at 1:1, so seeing all of it means zooming out, and without
 * levels every zoomed-out view reads every chunk of the slice at full resolution; and over 256 MiB a
 * volume is past what one read of the 3D view brings in quickly. Smaller volumes are read whole in
 * about the time a pyramid of them would take to open, so nothing is offered there.
 */
export function offersLevels(array: ArrayInfo): boolean {
  const lead = array.shape.slice(0, -3)
  if (array.shape.length < 3 || lead.some((n) => n !== 1)) return false
  const [z, y, x] = array.shape.slice(-3) as [number, number, number]
  const bits = Number(/(\d+)$/.exec(array.dtype)?.[1] ?? 8)
  return Math.max(y, x) > 2048 || (z * y * x * bits) / 8 > 256 * MIB
}

/** The levels of an array the form inspects: null when it is no part of a multiscale group. */
export type PickedLevels =
  | { state: 'reading' }
  | { state: 'found'; multiscale: Multiscale }
  | { state: 'none' }
  | { state: 'error'; message: string }

/**
 * The import flow: a path (typed, picked in a menu or dropped), its arrays, then one added to the project;
 * and the slices the Project screen shows of each volume.
 */
export const useVolumesStore = defineStore('volumes', () => {
  const listing = ref<Listing | null>(null)
  const inspecting = ref(false)
  const adding = ref(false)
  const lastAdded = ref<VolumeRecord | null>(null)
  /** A path dropped, typed or picked in the menu while an earlier one is read replaces it. */
  const inspections = latestOnly()
  const pickedLevels = ref<PickedLevels | null>(null)
  const levelReads = latestOnly()
  /** Volume id -> its levels (or the job building them), for the volume list. */
  const levels = ref<Record<number, ProjectVolumeLevels>>({})
  const levelLists = latestOnly()
  const levelsSoon = coalesced(refreshLevels)
  let unlistenLevels: Array<() => void> = []

  async function inspect(path: string): Promise<void> {
    const wanted = path.trim()
    const project = useProjectStore()
    if (!wanted) return project.reportError('enter the path of an HDF5 file, a Zarr folder or an image stack')
    const isLatest = inspections.next()
    inspecting.value = true
    lastAdded.value = null
    try {
      const result = await useTransport().call('volume.list', { path: wanted })
      if (isLatest()) listing.value = { ...result, path: wanted }
    } catch (e) {
      if (!isLatest()) return
      listing.value = null
      project.reportError(`cannot read ${wanted}: ${messageOf(e)}`)
    } finally {
      if (isLatest()) inspecting.value = false
    }
  }

  /** Whether the picked array is a level of an OME-Zarr multiscale group: then its levels are used as they are. */
  async function inspectLevels(array: ArrayInfo | null): Promise<void> {
    const isLatest = levelReads.next()
    if (!array || !listing.value) {
      pickedLevels.value = null
      return
    }
    pickedLevels.value = { state: 'reading' }
    try {
      const multiscale = await useTransport().call('volume.multiscale', {
        spec: specOf(listing.value, array),
      })
      if (isLatest()) pickedLevels.value = multiscale ? { state: 'found', multiscale } : { state: 'none' }
    } catch (e) {
      if (isLatest()) pickedLevels.value = { state: 'error', message: messageOf(e) }
    }
  }

  /**
   * Every volume's levels, read now and again when the project's volumes change (levels registered
   * included) until `stopLevels`; while a pyramid job builds some, also when a job writes (its progress).
   */
  async function refreshLevels(): Promise<void> {
    const dir = useProjectStore().summary?.dir
    if (!dir) return
    if (unlistenLevels.length === 0) {
      const live = useLiveStore()
      unlistenLevels = [
        live.listen(['volumes'], () => void levelsSoon()),
        live.listen(['jobs'], () => {
          if (Object.values(levels.value).some((l) => l.job !== null)) void levelsSoon()
        }),
      ]
    }
    const isLatest = levelLists.next()
    try {
      const list = await useTransport().call('project.levels', { dir })
      if (!isLatest()) return
      levels.value = Object.fromEntries(list.map((l) => [l.volumeId, l]))
    } catch (e) {
      if (isLatest()) useProjectStore().reportError(`cannot read the volumes' levels: ${messageOf(e)}`)
    }
  }

  function stopLevels(): void {
    levelLists.next()
    for (const unlisten of unlistenLevels) unlisten()
    unlistenLevels = []
  }

  async function add(
    array: ArrayInfo,
    role: VolumeRole,
    name: string,
    voxelSizeNm: [number, number, number] | undefined,
    buildLevels = false,
  ): Promise<boolean> {
    const project = useProjectStore()
    const dir = project.summary?.dir
    if (!listing.value || !dir) return false
    adding.value = true
    try {
      lastAdded.value = await useTransport().call('project.addVolume', {
        dir,
        spec: specOf(listing.value, array),
        role,
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(voxelSizeNm ? { voxelSizeNm } : {}),
      })
      if (buildLevels) {
        // The volume stays added if the job cannot start: the Jobs screen can start it later.
        const volume = lastAdded.value
        try {
          await useTransport().call('job.start', {
            dir,
            kind: 'pyramid',
            args: [volume.name, '--kind', role === 'labels' ? 'labels' : 'image'],
          })
        } catch (e) {
          project.reportError(`added ${volume.name}, but cannot start building its levels: ${messageOf(e)}`)
        }
      }
      await project.refresh()
      return true
    } catch (e) {
      project.reportError(`cannot add ${array.name || listing.value.path}: ${messageOf(e)}`)
      return false
    } finally {
      adding.value = false
    }
  }

  function close(): void {
    listing.value = null
  }

  /** What was made from the volume, asked before it is removed (its removal changes none of it). */
  async function dependentsOf(id: number): Promise<string[] | null> {
    const project = useProjectStore()
    const dir = project.summary?.dir
    if (!dir) return null
    try {
      return await useTransport().call('project.volumeDependents', { dir, id })
    } catch (e) {
      project.reportError(`cannot read what uses volume ${id}: ${messageOf(e)}`)
      return null
    }
  }

  async function rename(id: number, name: string): Promise<boolean> {
    const project = useProjectStore()
    const dir = project.summary?.dir
    if (!dir) return false
    try {
      await useTransport().call('project.renameVolume', { dir, id, name })
      await project.refresh()
      return true
    } catch (e) {
      project.reportError(`cannot rename the volume: ${messageOf(e)}`)
      return false
    }
  }

  /** Forgets the volume in the project; its files stay where they are. */
  async function remove(id: number): Promise<boolean> {
    const project = useProjectStore()
    const dir = project.summary?.dir
    if (!dir) return false
    try {
      await useTransport().call('project.removeVolume', { dir, id })
      await project.refresh()
      return true
    } catch (e) {
      project.reportError(`cannot remove the volume: ${messageOf(e)}`)
      return false
    }
  }

  /** One z slice of a volume, at most `maxSize` pixels a side: the Project screen's thumbnails. */
  function readSlice(spec: string, z: number, maxSize: number): Promise<SliceImage> {
    return useTransport().call('volume.slice', { spec, z, maxSize })
  }

  return {
    dependentsOf,
    rename,
    remove,
    listing,
    inspecting,
    adding,
    lastAdded,
    pickedLevels,
    levels,
    inspect,
    inspectLevels,
    refreshLevels,
    stopLevels,
    add,
    close,
    readSlice,
  }
})
