import { defineStore } from 'pinia'
import { ref } from 'vue'
import type {
  ApiResult,
  ArrayInfo,
  SliceImage,
  VolumeRecord,
  VolumeRole,
} from '../../../src-shared/contract.ts'
import { useTransport } from '../api/transport.ts'
import { messageOf } from '../lib/errors.ts'
import { latestOnly } from '../lib/latest.ts'
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

  async function add(
    array: ArrayInfo,
    role: VolumeRole,
    name: string,
    voxelSizeNm: [number, number, number] | undefined,
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

  /** One z slice of a volume, at most `maxSize` pixels a side: the Project screen's thumbnails. */
  function readSlice(spec: string, z: number, maxSize: number): Promise<SliceImage> {
    return useTransport().call('volume.slice', { spec, z, maxSize })
  }

  return { listing, inspecting, adding, lastAdded, inspect, add, close, readSlice }
})
