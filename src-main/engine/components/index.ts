export {
  labelComponents,
  labelRuns,
  paintRuns,
  componentSizes,
  type Components,
  type Connectivity,
  type LabeledRuns,
} from './label.ts'
export {
  labelVolume,
  defaultThreshold,
  type BlockwiseOptions,
  type BlockwiseResult,
  type ComponentRecord,
} from './blockwise.ts'
export { applyMorphology, haloOf, type Morphology, type BoxRadius } from './morphology.ts'
export { roisCsv, writeRoisCsv, ROI_CSV_COLUMNS } from './csv.ts'
export {
  labelPart,
  mergeParts,
  partsKey,
  checkParts,
  removeParts,
  type PartFiles,
  type PartResult,
} from './parts.ts'
