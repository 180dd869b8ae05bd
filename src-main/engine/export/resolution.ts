import type { ProposalSet } from '../proposals/index.ts'
import type { Project } from '../store/index.ts'
import { openVolume, splitRegionSuffix, voxelSizeOf, type VoxelSize } from '../volume/index.ts'

/**
 * The voxel size (nm, z y x) of the raw volume a set was proposed on: as the project records it
 * (the user may have typed it at import), else from the volume's own attributes; null when neither
 * says, or the volume can no longer be opened (an export of labels does not need the raw data).
 */
export async function setVoxelSize(project: Project, set: ProposalSet): Promise<VoxelSize | null> {
  if (!set.raw) return null
  const { base } = splitRegionSuffix(set.raw)
  const recorded = project.volumes().find((v) => v.source === base || v.source === set.raw)
  if (recorded?.voxelSizeNm) return recorded.voxelSizeNm
  try {
    const volume = await openVolume(set.raw)
    try {
      return voxelSizeOf(volume.attributes)
    } finally {
      volume.close()
    }
  } catch {
    return null
  }
}

/** The attribute h5py, zarr and CREMI readers look for, where the voxel size is known. */
export function resolutionAttributes(voxel: VoxelSize | null): Record<string, unknown> {
  return voxel ? { resolution: [...voxel] } : {}
}
