export {
  runProposals,
  proposalsBlock,
  proposalsCsv,
  type ProposalOptions,
  type ProposalResult,
} from './proposals.ts'
export { findProbabilityMap, type ProbabilityMap } from './maps.ts'
export { mapOffsetIn, setOffsetIn } from './placement.ts'
export { readPatches, writePatches, type PatchSet } from './patches.ts'
export { sliceThumbs, type SliceThumb, type SliceThumbRoi, type SliceThumbSource } from './slice-thumbs.ts'
export { PolarityAccumulator, type Polarity } from './polarity.ts'
export {
  hasRoi,
  insertRois,
  proposalSet,
  proposalSets,
  proposalSetsOfMap,
  restoreProposalSet,
  roiPlace,
  roisOf,
  saveProposalSet,
  type ProposalSet,
  type Roi,
  type RoiAlignment,
  type RoiPlace,
} from './rois.ts'
export { cropRegion, putPatch, roiPatch, type PatchRecipe, type PatchSources } from './roi-patch.ts'
