export {
  propagateVerdicts,
  roiVotes,
  LABEL_RULE,
  VERDICT_RULE,
  type Partition,
  type RoiClusters,
  type Verdict,
  type VerdictRule,
  type VerdictSource,
  type Verdicts,
} from './verdicts.ts'
