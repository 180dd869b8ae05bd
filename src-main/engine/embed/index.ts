export {
  VAE_DEFAULTS,
  validateVaeConfig,
  initVaeWeights,
  encode,
  decode,
  vaeLoss,
  vaeParameterSpecs,
  type VaeConfig,
  type VaeKind,
  type VaeWeights,
} from './vae.ts'
export {
  trainVae,
  vaeTrainStep,
  vaeFeatures,
  saveVae,
  loadVae,
  disposeVae,
  type PatchBatchSource,
  type TrainVaeOptions,
  type TrainVaeResult,
} from './train-vae.ts'
export { embedSet, featuresFile, roiImageSource, type EmbedOptions, type EmbedResult } from './embed-set.ts'
export { readFeatures, writeFeatures, type SetFeatures } from './features.ts'
export {
  fineTuneTriplet,
  separation,
  tripletLoss,
  type TripletOptions,
  type TripletResult,
} from './triplet.ts'
