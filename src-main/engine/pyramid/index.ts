export { buildPyramid, type PyramidOptions, type PyramidResult } from './pyramid.ts'
export { planLevels, multiscales, levelChunks, type Level, type Voxel } from './plan.ts'
export { downsample, type LabelRule } from './downsample.ts'
