export { predictVolume, type PredictOptions, type PredictResult } from './predict.ts'
export {
  predictBlock,
  mergePredictBlocks,
  type PredictBlockOptions,
  type PredictBlockResult,
  type PredictMergeOptions,
} from './blocks.ts'
export { axisOrigins, blendWeights, windowsForTile } from './windows.ts'
