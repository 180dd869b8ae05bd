/** Every mutation by name, in the order the planner walks them (the order is part of the seed's corpus). */
import type { Mutation } from './mutation-kit.ts'
import { HDF5_MUTATIONS } from './mutations-hdf5.ts'
import { ZARR_CHUNK_MUTATIONS } from './mutations-zarr-chunks.ts'
import { ZARR_META_MUTATIONS } from './mutations-zarr-meta.ts'
import { ZARR_SHAPE_MUTATIONS } from './mutations-zarr-shape.ts'

export const MUTATIONS: Record<string, Mutation> = {
  ...HDF5_MUTATIONS,
  ...ZARR_CHUNK_MUTATIONS,
  ...ZARR_SHAPE_MUTATIONS,
  ...ZARR_META_MUTATIONS,
}
