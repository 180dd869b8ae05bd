export { trainModel, type TrainOptions, type TrainResult } from './train.ts'
export { loadTrainingData, splitTrainValidation, type LabelSources, type TrainingData } from './data.ts'
export { sampleBatch, copyCrop, drawAugmentation, type Batch, type SamplerOptions } from './sampler.ts'
export { readCheckpoint, writeCheckpoint } from './checkpoint.ts'
