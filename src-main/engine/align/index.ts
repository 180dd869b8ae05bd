export {
  alignRoi,
  thumbFrame,
  type AlignVariant,
  type AlignOptions,
  type AlignedRoi,
  type RoiCrop,
} from './align.ts'
export { principalAxis, axisOfCovariance, type PrincipalAxis } from './pca.ts'
export { cropRadius, sampleRotated, sampleRotatedNearest, type SampleFrame } from './sample.ts'
export { sliceAreas, largestSlice, centralSlice } from './slices.ts'
export { contactZone, dilateBox, CONTACT_RADIUS, MIN_CONTACT_PIXELS } from './contact.ts'
export { sliceLabels } from './labels.ts'
