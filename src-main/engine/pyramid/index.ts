export {
  buildPyramid,
  buildPyramidBlock,
  mergePyramidBlocks,
  splitLevel,
  type PyramidBlockResult,
  type PyramidOptions,
  type PyramidResult,
} from './pyramid.ts'
export { planLevels, multiscales, levelChunks, type Level, type Voxel } from './plan.ts'
export { downsample, type LabelRule } from './downsample.ts'
export { volumeLevels, projectLevels, type ProjectVolumeLevels } from './volume-levels.ts'
export { registeredLevels } from './registry.ts'
export { buildVolumePyramid, type VolumePyramidOptions, type VolumePyramidResult } from './volume-pyramid.ts'
