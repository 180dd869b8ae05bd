export {
  TASKS,
  TASK_CHANNELS,
  defaultConfig,
  validateConfig,
  channelsOf,
  type ModelConfig,
  type Task,
} from './config.ts'
export {
  initWeights,
  forward,
  needsCheckpointing,
  parameterSpecs,
  parameterCount,
  type Weights,
} from './unet.ts'
export {
  saveModel,
  loadModel,
  readModelMeta,
  disposeWeights,
  encodeNamed,
  decodeNamed,
  type ModelMeta,
  type Normalisation,
} from './io.ts'
export { initParameters } from './init.ts'
export { segmentationLoss, weightedSegmentationLoss } from './loss.ts'
export {
  recordModel,
  restoreModel,
  findModel,
  resolveModel,
  listModels,
  modelDir,
  type ModelRecord,
} from './registry.ts'
export { readLayersModel, ourName, type ImportedModel } from './import.ts'
