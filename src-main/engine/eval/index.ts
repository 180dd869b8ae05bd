export { labelComponents, componentSizes, type Components, type Connectivity } from '../components/index.ts'
export { distanceToMask, squaredDistanceToMask, type Sampling } from './edt.ts'
export {
  binaryScores,
  dice,
  voc,
  instanceF1,
  cremiCleft,
  type BinaryScores,
  type InstanceScores,
  type CremiCleftScores,
} from './metrics.ts'
export {
  evaluate,
  voxelSizeOf,
  METRICS,
  type Metric,
  type EvaluateOptions,
  type EvaluationResult,
} from './evaluate.ts'
