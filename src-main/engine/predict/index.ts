export { predictVolume, type PredictOptions, type PredictResult } from './predict.ts'
export { axisOrigins, blendWeights, windowsForTile } from './windows.ts'
