export {
  checkSynthOptions,
  generateProposals,
  MAX_ROIS,
  MIN_ROIS,
  WRONG_GROUPS,
  type SynthProposalOptions,
  type SynthProposals,
} from './generate.ts'
export { runSynthProposals, type SynthProposalResult, type SynthProposalRun } from './run.ts'
export { hasSetTruth, readTruth, setTruthLabels, TRUTH_FILE, type SetTruth } from './truth.ts'
