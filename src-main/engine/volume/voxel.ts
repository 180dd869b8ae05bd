export type VoxelSize = [number, number, number]

/** The voxel size (nm, z y x) a volume's attributes state, under the names h5py writers use. */
export function voxelSizeOf(attrs: Record<string, unknown>): VoxelSize | null {
  for (const key of ['resolution_nm_zyx', 'resolution']) {
    const v = attrs[key]
    const arr = Array.isArray(v)
      ? v
      : ArrayBuffer.isView(v)
        ? Array.from(v as unknown as ArrayLike<number>)
        : null
    if (arr && arr.length === 3 && arr.every((n) => typeof n === 'number' && n > 0)) return arr as VoxelSize
  }
  return null
}
