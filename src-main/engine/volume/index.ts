export { openVolume, listArrays } from './open.ts'
export { SubVolume, splitRegionSuffix } from './subvolume.ts'
export { PlacedVolume } from './placed.ts'
export { parseSpec, formatSpec, type VolumeSpec } from './spec.ts'
export { absoluteSpec, absoluteSpecOf, offsetIn, placeOfSpec, type SpecPlace } from './placement.ts'
export { computeStats, type VolumeStats } from './stats.ts'
export { readBoxes, BOX_BYTES, type Box } from './boxes.ts'
export { writeNpy, writeNpyBoxes } from './npy.ts'
export { checkRegion } from './checks.ts'
export { blockShape, blocks } from './blocks.ts'
export { ZarrV3Writer, ZarrArrayWriter, type ZarrArrayOptions, type ZarrCompression } from './zarr-write.ts'
export { loadH5wasm } from './hdf5.ts'
export * from './types.ts'
export * from './dtype.ts'
export { readGreySlice, type GreySlice } from './slice.ts'
export { readCrop, DEFAULT_CROP, MAX_CROP_VOXELS, type Crop, type CropRequest } from './crop.ts'
export { ZarrV2ArrayWriter, atomicWrite } from './zarr-v2-write.ts'
export { voxelSizeOf, type VoxelSize } from './voxel.ts'
export { labelCode, LevelledVolume, MAX_TILE_VOXELS, type VolumeLevel, type TileRequest } from './levels.ts'
export {
  readMultiscale,
  findMultiscale,
  isMultiscaleGroup,
  type Multiscale,
  type PyramidLevel,
} from './multiscale.ts'
